// Generic CSV: files no other connector covers (a POS export, a bank
// statement, a gateway settlement report) read through a named profile that
// says which canonical record a row becomes and which header holds which
// field. One record per row (payout lines grouped into one payout per payout
// id), lineage "<file name>:<line>". Not here: the TOML form of profiles
// (app/config.cc), webhooks (files are trusted; Verify refuses every
// request). Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"

namespace hub {

// Which canonical record the rows of a file become. Persisted in config files.
enum class CsvRecordType : std::uint8_t {
  kPayoutLine = 1,       // payout.paid: rows grouped by payout id, one PayoutLine per row
  kBankTransaction = 2,  // bank.transaction: one BankTransaction per row
  kInventoryCount = 3,   // inventory.adjusted: absolute on_hand per sku × location
};

// "payout_line", "bank_transaction", "inventory_count".
std::string_view ToString(CsvRecordType type);
std::optional<CsvRecordType> CsvRecordTypeFromString(std::string_view name);

// The canonical fields a record type reads (the keys of CsvProfile::columns).
std::span<const std::string_view> CsvColumnKeys(CsvRecordType type);

// How one file format maps to canonical records. Defaults fit a plain
// comma-separated, dot-decimal export with ISO dates.
struct CsvProfile {
  CsvRecordType record = CsvRecordType::kBankTransaction;
  // Field separator; ';' for most European spreadsheet exports, '\t' for TSV.
  char delimiter = ',';
  // '.' or ','. Amounts are parsed exactly from text; never through double.
  char decimal_separator = '.';
  // '\0' = none; else one of , . ' and space, checked to group by three digits.
  char thousands_separator = '\0';
  // Amounts are already integer minor units ("1230" = 12.30 USD).
  bool minor_units = false;
  // Exactly one of these for money records: a fixed ISO 4217 code, or the header
  // of a column holding it per row.
  std::string currency;
  std::string currency_column;
  // The row's date; required except for inventory_count (then: when the file arrived).
  std::string date_column;
  // %Y %m %d %H %M %S %b (Jan…Dec) %z (Z, +01:00, +0100) %%; other characters literal.
  std::string date_format = "%Y-%m-%d";
  // Offset of dates without %z: "UTC", "+01:00", or an abbreviation (CET, CEST, EST…).
  std::string timezone = "UTC";
  // Header of a per-row zone (Adyen's TimeZone column); wins over `timezone`.
  std::string timezone_column;
  // payout_line only, required: Payout::gateway ("adyen"), so reconciliation
  // matches the lines against that gateway's tenders.
  std::string gateway;
  // bank_transaction: the account every row belongs to, unless columns.bank_account
  // names a column. One of the two is required.
  std::string bank_account;
  // Canonical field (CsvColumnKeys) → header names. Several names: amounts are
  // summed, ids joined with ':', descriptions with ' '.
  std::map<std::string, std::vector<std::string>> columns;
  // Value of columns.type → payout line kind ("charge", "refund", "dispute",
  // "fee", "payout", …) for payout_line, or "debit" / "credit" (the sign of an
  // unsigned amount) for bank_transaction.
  std::map<std::string, std::string> types;
  friend bool operator==(const CsvProfile&, const CsvProfile&) = default;
};

// A profile on its own: required fields and columns present, keys known for the
// record type, separators, currency, zone and date format valid. kInvalidArgument
// with Error::field the profile key at fault ("columns.net", "types.Settled").
[[nodiscard]] Status ValidateCsvProfile(const CsvProfile& profile);

// Largest number of columns in a row; wider files are refused (kTooLarge).
inline constexpr std::size_t kCsvColumnsMax = 1024;

class CsvConnector final : public Connector {
 public:
  using Profiles = std::map<std::string, CsvProfile, std::less<>>;
  // Profiles by name (the topic). Each must pass ValidateCsvProfile (asserted).
  explicit CsvConnector(Profiles profiles);

  std::string_view name() const override { return "csv"; }
  // Always kUnauthenticated: CSV files arrive through `retailhub ingest` or the
  // drop folder, never as webhooks.
  Status Verify(const Delivery& delivery, const Secrets& secrets,
                const Clock& clock) const override;
  // "sha256:<hex of the body>": the same file is stored once.
  Result<std::string> DedupKey(const Delivery& delivery) const override;
  // Delivery::topic (the profile name), else the longest profile name that
  // starts the X-RetailHub-File name followed by '_', '-', '.', ' ' or its end
  // ("adyen_settlement_batch_4.csv" → adyen_settlement). kInvalidArgument if none.
  Result<std::string> Topic(const Delivery& delivery) const override;
  // Errors name the CSV position in Error::field: "line 12, column 4 (Amount)"
  // (physical lines, 1 = the header; the column's header in parentheses).
  // kParse: broken CSV, wrong column count, unparsable amount or date;
  // kPrecision / kOverflow: an amount finer than its currency or out of range;
  // kInvalidArgument: unknown profile, missing header column, empty required cell,
  // unknown currency; kUnmapped: a type value the profile does not map;
  // kAmountMismatch: gross − fee ≠ net, or a payout row ≠ the net of its payout's
  // other rows; kCurrencyMismatch: one payout's rows in two currencies; kTooLarge:
  // a body over kDeliveryBodyBytesMax or a row over kCsvColumnsMax.
  Result<std::vector<Event>> Translate(const Delivery& delivery) const override;

 private:
  Profiles profiles_;
};

}  // namespace hub
