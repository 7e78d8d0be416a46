// Fuzzes CsvConnector::Translate under profiles that exercise every reader
// path: quoting, ';' and tab delimiters, decimal commas, thousands
// separators, minor units, debit/credit pairs, a type column, per-row zones
// and %z dates. The first byte picks the profile (or none: then the file name
// picks it). Beyond fuzz_common's invariants: every rejection names where
// ("line …" or "topic"), never a bare message.
#include <string_view>

#include "connectors/csv/csv.h"
#include "fuzz/fuzz_common.h"

namespace {

// "payouts", "bank" and "stock" read the headers of the shipped profiles, so the
// golden inputs under tests/golden/csv/ are seeds that get past the header.
hub::CsvConnector::Profiles Profiles() {
  hub::CsvProfile payouts;
  payouts.record = hub::CsvRecordType::kPayoutLine;
  payouts.gateway = "adyen";
  payouts.currency_column = "Net Currency";
  payouts.date_column = "Creation Date";
  payouts.date_format = "%Y-%m-%d %H:%M:%S";
  payouts.timezone_column = "TimeZone";
  payouts.columns = {
      {"payout_id", {"Merchant Account", "Batch Number"}},
      {"type", {"Type"}},
      {"net_debit", {"Net Debit (NC)"}},
      {"net_credit", {"Net Credit (NC)"}},
      {"fee", {"Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)"}},
      {"reference", {"Modification Reference"}},
      {"description", {"Type", "Payment Method", "Merchant Reference"}}};
  payouts.types = {{"Settled", "charge"},
                   {"Refunded", "refund"},
                   {"Chargeback", "dispute"},
                   {"Fee", "fee"},
                   {"MerchantPayout", "payout"}};

  // Signed gross and net (checked against each other), minor units, tab-separated.
  hub::CsvProfile gross = payouts;
  gross.columns.erase("net_debit");
  gross.columns.erase("net_credit");
  gross.columns["gross"] = {"Gross Debit (GC)"};
  gross.columns["net"] = {"Net Debit (NC)"};
  gross.columns["line_id"] = {"Psp Reference"};
  gross.minor_units = true;
  gross.delimiter = '\t';

  hub::CsvProfile bank;
  bank.record = hub::CsvRecordType::kBankTransaction;
  bank.bank_account = "operating";
  bank.currency = "USD";
  bank.date_column = "Date";
  bank.thousands_separator = ',';
  bank.columns = {{"amount_debit", {"Debit"}},
                  {"amount_credit", {"Credit"}},
                  {"reference", {"Reference"}},
                  {"description", {"Description"}}};

  // ';', decimal commas, unsigned amounts signed by a type column, %b and %z dates.
  hub::CsvProfile bank_eu;
  bank_eu.record = hub::CsvRecordType::kBankTransaction;
  bank_eu.delimiter = ';';
  bank_eu.decimal_separator = ',';
  bank_eu.thousands_separator = '.';
  bank_eu.currency_column = "Description";
  bank_eu.date_column = "Date";
  bank_eu.date_format = "%d %b %Y %H:%M%z";
  bank_eu.timezone = "CET";
  bank_eu.columns = {{"amount", {"Debit"}},
                     {"type", {"Credit"}},
                     {"bank_account", {"Reference"}},
                     {"transaction_id", {"Reference", "Date"}}};
  bank_eu.types = {{"S", "debit"}, {"H", "credit"}};
  bank_eu.bank_account = "DE89";

  hub::CsvProfile stock;
  stock.record = hub::CsvRecordType::kInventoryCount;
  stock.date_column = "Counted At";
  stock.date_format = "%Y-%m-%d %H:%M";
  stock.columns = {{"sku", {"SKU"}}, {"location", {"Location"}}, {"on_hand", {"On Hand"}}};

  return {{"payouts", payouts},
          {"payouts_gross", gross},
          {"bank", bank},
          {"bank_eu", bank_eu},
          {"stock", stock}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hub::CsvConnector kConnector(Profiles());
  hub::Delivery d =
      hub::fuzz::MakeDelivery(data, size, {"payouts", "payouts_gross", "bank", "bank_eu", "stock"});
  d.headers = {{"X-RetailHub-File", "bank_eu_fuzz.csv"}};  // no topic: the name picks bank_eu
  hub::fuzz::CheckTranslate(kConnector, d);
  auto r = kConnector.Translate(d);
  if (!r) {
    const std::string_view field = r.error().field;
    if (!field.starts_with("line ") && field != "topic") {
      std::abort();
    }
  }
  return 0;
}
