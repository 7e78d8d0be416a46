// The ISO 4217 table: every active currency with a defined minor unit, sorted
// by code so FromCode is a binary search. Deliberately not here: funds and
// metals listed with minor unit "N.A." (XAU, XAG, XPT, XPD, XDR, XSU, XUA,
// XBA-XBD, XTS, XXX): they are not money we settle in. The table is constexpr
// and immutable, so lookups are thread-safe.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/money.h"

namespace hub {

struct CurrencyTable {
  static constexpr Currency Make(const char* code, int exponent) {
    return Currency(code, exponent);
  }
  // Compile-time order check: Currency::operator< is not constexpr.
  static constexpr bool Less(const Currency& a, const Currency& b) {
    for (int i = 0; i < 3; ++i) {
      if (a.code_[i] != b.code_[i]) {
        return a.code_[i] < b.code_[i];
      }
    }
    return false;
  }
};

namespace {

constexpr auto C = CurrencyTable::Make;

// Source: ISO 4217 list one (active codes), with the 2023-2025 amendments
// (HRK withdrawn; SLE, VED, ZWG, XCG added; SLL, ANG, ZWL kept while still
// seen in historical payloads). Exponents are the "minor unit" column.
constexpr std::array kCurrencies = {
    C("AED", 2), C("AFN", 2), C("ALL", 2), C("AMD", 2), C("ANG", 2), C("AOA", 2), C("ARS", 2),
    C("AUD", 2), C("AWG", 2), C("AZN", 2), C("BAM", 2), C("BBD", 2), C("BDT", 2), C("BGN", 2),
    C("BHD", 3), C("BIF", 0), C("BMD", 2), C("BND", 2), C("BOB", 2), C("BOV", 2), C("BRL", 2),
    C("BSD", 2), C("BTN", 2), C("BWP", 2), C("BYN", 2), C("BZD", 2), C("CAD", 2), C("CDF", 2),
    C("CHE", 2), C("CHF", 2), C("CHW", 2), C("CLF", 4), C("CLP", 0), C("CNY", 2), C("COP", 2),
    C("COU", 2), C("CRC", 2), C("CUC", 2), C("CUP", 2), C("CVE", 2), C("CZK", 2), C("DJF", 0),
    C("DKK", 2), C("DOP", 2), C("DZD", 2), C("EGP", 2), C("ERN", 2), C("ETB", 2), C("EUR", 2),
    C("FJD", 2), C("FKP", 2), C("GBP", 2), C("GEL", 2), C("GHS", 2), C("GIP", 2), C("GMD", 2),
    C("GNF", 0), C("GTQ", 2), C("GYD", 2), C("HKD", 2), C("HNL", 2), C("HTG", 2), C("HUF", 2),
    C("IDR", 2), C("ILS", 2), C("INR", 2), C("IQD", 3), C("IRR", 2), C("ISK", 0), C("JMD", 2),
    C("JOD", 3), C("JPY", 0), C("KES", 2), C("KGS", 2), C("KHR", 2), C("KMF", 0), C("KPW", 2),
    C("KRW", 0), C("KWD", 3), C("KYD", 2), C("KZT", 2), C("LAK", 2), C("LBP", 2), C("LKR", 2),
    C("LRD", 2), C("LSL", 2), C("LYD", 3), C("MAD", 2), C("MDL", 2), C("MGA", 2), C("MKD", 2),
    C("MMK", 2), C("MNT", 2), C("MOP", 2), C("MRU", 2), C("MUR", 2), C("MVR", 2), C("MWK", 2),
    C("MXN", 2), C("MXV", 2), C("MYR", 2), C("MZN", 2), C("NAD", 2), C("NGN", 2), C("NIO", 2),
    C("NOK", 2), C("NPR", 2), C("NZD", 2), C("OMR", 3), C("PAB", 2), C("PEN", 2), C("PGK", 2),
    C("PHP", 2), C("PKR", 2), C("PLN", 2), C("PYG", 0), C("QAR", 2), C("RON", 2), C("RSD", 2),
    C("RUB", 2), C("RWF", 0), C("SAR", 2), C("SBD", 2), C("SCR", 2), C("SDG", 2), C("SEK", 2),
    C("SGD", 2), C("SHP", 2), C("SLE", 2), C("SLL", 2), C("SOS", 2), C("SRD", 2), C("SSP", 2),
    C("STN", 2), C("SVC", 2), C("SYP", 2), C("SZL", 2), C("THB", 2), C("TJS", 2), C("TMT", 2),
    C("TND", 3), C("TOP", 2), C("TRY", 2), C("TTD", 2), C("TWD", 2), C("TZS", 2), C("UAH", 2),
    C("UGX", 0), C("USD", 2), C("USN", 2), C("UYI", 0), C("UYU", 2), C("UYW", 4), C("UZS", 2),
    C("VED", 2), C("VES", 2), C("VND", 0), C("VUV", 0), C("WST", 2), C("XAF", 0), C("XCD", 2),
    C("XCG", 2), C("XOF", 0), C("XPF", 0), C("YER", 2), C("ZAR", 2), C("ZMW", 2), C("ZWG", 2),
    C("ZWL", 2),
};

constexpr bool IsSortedUnique() {
  for (std::size_t i = 1; i < kCurrencies.size(); ++i) {
    if (!CurrencyTable::Less(kCurrencies[i - 1], kCurrencies[i])) {
      return false;
    }
  }
  return true;
}
static_assert(IsSortedUnique(), "kCurrencies must be sorted by code, without duplicates");

constexpr std::size_t kCodeLength = 3;

}  // namespace

std::span<const Currency> AllCurrencies() { return kCurrencies; }

Result<Currency> Currency::FromCode(std::string_view code) {
  const auto it =
      std::lower_bound(kCurrencies.begin(), kCurrencies.end(), code,
                       [](const Currency& c, std::string_view key) { return c.code() < key; });
  if (code.size() != kCodeLength || it == kCurrencies.end() || it->code() != code) {
    // Quoted with escapes and bounded: the code comes from untrusted payloads.
    constexpr std::size_t kShownMax = 16;
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("unknown currency code {:?} (expected an active ISO 4217 code "
                            "in upper case, e.g. USD)",
                            code.substr(0, kShownMax)));
  }
  return *it;
}

}  // namespace hub
