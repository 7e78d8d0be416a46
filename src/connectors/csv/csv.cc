// CsvConnector: profile checks, header resolution and the three record
// translations. A Sheet is one parsed file with its profile's columns
// resolved to indices; every cell error names "line L, column C (Header)".
// Event ids come from the content hash and the row index, so re-ingesting the
// same bytes yields the same ids whatever the file is called.
#include "connectors/csv/csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "connectors/csv/csv_internal.h"
#include "connectors/json_internal.h"
#include "core/assert.h"
#include "core/model_json.h"

namespace hub {
namespace {

using connectors_internal::EventIds;
using connectors_internal::EventStorage;
using connectors_internal::MakeEvent;
using connectors_internal::MakeEventIds;
using csv_internal::CsvRow;
using csv_internal::TrimBlanks;

constexpr std::string_view kSystem = "csv";
// Set by app/file_ingest.cc: the file's name without its folder.
constexpr std::string_view kFileHeader = "X-RetailHub-File";
constexpr std::string_view kUnnamedFile = "-";
// Characters that may follow a profile name at the start of a dropped file's name.
constexpr std::string_view kProfileNameEnds = "_-. ";

constexpr std::array<std::string_view, 13> kPayoutKeys = {
    "payout_id", "type",       "gross",     "gross_debit", "gross_credit",    "fee",        "net",
    "net_debit", "net_credit", "reference", "line_id",     "order_reference", "description"};
constexpr std::array<std::string_view, 8> kBankKeys = {
    "amount",         "amount_debit", "amount_credit", "type",
    "transaction_id", "bank_account", "reference",     "description"};
constexpr std::array<std::string_view, 3> kInventoryKeys = {"sku", "location", "on_hand"};

// How several header names for one field combine.
enum class Combine : std::uint8_t { kJoinId, kJoinText, kSum, kSingle };

Combine CombineOf(std::string_view key) {
  if (key == "type" || key == "on_hand") {
    return Combine::kSingle;
  }
  if (key == "description") {
    return Combine::kJoinText;
  }
  if (key == "gross" || key == "fee" || key == "net" || key == "amount" ||
      key.ends_with("_debit") || key.ends_with("_credit")) {
    return Combine::kSum;
  }
  return Combine::kJoinId;
}

std::optional<PayoutLineKind> PayoutKindFromString(std::string_view name) {
  for (std::uint8_t k = 1; k <= static_cast<std::uint8_t>(PayoutLineKind::kOther); ++k) {
    const auto kind = static_cast<PayoutLineKind>(k);
    if (ToString(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

std::string JoinNames(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    out += out.empty() ? "" : ", ";
    out += n;
  }
  return out;
}

std::string NamesOf(const CsvConnector::Profiles& profiles) {
  std::string names;
  for (const auto& entry : profiles) {
    names += names.empty() ? "" : ", ";
    names += entry.first;
  }
  return names.empty() ? std::string("none configured") : names;
}

Result<Money> Magnitude(const Money& m) { return m.is_negative() ? m.Negate() : Result<Money>(m); }

// Gives an arithmetic error (overflow) the position of the cell it came from.
template <typename T>
Result<T> Placed(Result<T> r, const std::string& where) {
  if (!r && r.error().field.empty()) {
    r.error().field = where;
  }
  return r;
}

// ---- profile checks ---------------------------------------------------------

tl::unexpected<Error> Bad(std::string field, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

// columns.<base> or the pair <base>_debit / <base>_credit; true when mapped.
Result<bool> CheckAmountPair(const CsvProfile& p, const std::string& base) {
  const bool single = p.columns.contains(base);
  const bool debit = p.columns.contains(base + "_debit");
  const bool credit = p.columns.contains(base + "_credit");
  if (debit != credit) {
    const std::string missing = base + (debit ? "_credit" : "_debit");
    return Bad("columns." + missing,
               fmt::format("columns.{}_debit and columns.{}_credit must be set together (missing "
                           "columns.{})",
                           base, base, missing));
  }
  if (single && debit) {
    return Bad("columns." + base,
               fmt::format("set columns.{0} (signed) or columns.{0}_debit and columns.{0}_credit, "
                           "not both",
                           base));
  }
  return single || debit;
}

Status RequireColumns(const CsvProfile& p, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (!p.columns.contains(std::string(key))) {
      return Bad(fmt::format("columns.{}", key),
                 fmt::format("columns.{} is required for record {}", key, ToString(p.record)));
    }
  }
  return Ok();
}

Status CheckFormat(const CsvProfile& p) {
  if (p.delimiter == '"' || p.delimiter == '\r' || p.delimiter == '\n' || p.delimiter == '\0') {
    return Bad("delimiter", "delimiter must be one character other than a quote or a line break");
  }
  if (p.decimal_separator != '.' && p.decimal_separator != ',') {
    return Bad("decimal_separator", "decimal_separator must be \".\" or \",\"");
  }
  constexpr std::string_view kThousands = ",.' ";
  if (p.thousands_separator != '\0' &&
      (kThousands.find(p.thousands_separator) == std::string_view::npos ||
       p.thousands_separator == p.decimal_separator)) {
    return Bad("thousands_separator",
               "thousands_separator must be \"\" (none) or one of , . ' and space, other than "
               "decimal_separator");
  }
  if (auto st = csv_internal::CheckDateFormat(p.date_format); !st) {
    return Bad("date_format", st.error().message);
  }
  if (auto zone = csv_internal::ParseZoneOffsetMinutes(p.timezone); !zone) {
    return Bad("timezone", zone.error().message);
  }
  return Ok();
}

Status CheckColumns(const CsvProfile& p) {
  const auto keys = CsvColumnKeys(p.record);
  for (const auto& [key, names] : p.columns) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return Bad("columns." + key,
                 fmt::format("columns.{} is not a field of record {} (fields: {})", key,
                             ToString(p.record), JoinNames(keys)));
    }
    if (names.empty() ||
        std::any_of(names.begin(), names.end(), [](const std::string& n) { return n.empty(); })) {
      return Bad("columns." + key, fmt::format("columns.{} needs a header name", key));
    }
    if (names.size() > 1 && CombineOf(key) == Combine::kSingle) {
      return Bad("columns." + key, fmt::format("columns.{} takes one header name", key));
    }
  }
  return Ok();
}

Status CheckMoneyAndDate(const CsvProfile& p) {
  const bool money = p.record != CsvRecordType::kInventoryCount;
  if (!money) {
    if (!p.currency.empty() || !p.currency_column.empty()) {
      return Bad(p.currency.empty() ? "currency_column" : "currency",
                 "inventory_count has no amounts: remove currency and currency_column");
    }
    return Ok();
  }
  if (p.currency.empty() == p.currency_column.empty()) {
    return Bad("currency", fmt::format("record {} needs exactly one of currency (a fixed ISO 4217 "
                                       "code) and currency_column",
                                       ToString(p.record)));
  }
  if (!p.currency.empty()) {
    if (auto c = Currency::FromCode(p.currency); !c) {
      return Bad("currency", c.error().message);
    }
  }
  if (p.date_column.empty()) {
    return Bad("date_column",
               fmt::format("date_column is required for record {}", ToString(p.record)));
  }
  return Ok();
}

Status CheckPayoutProfile(const CsvProfile& p) {
  HUB_TRY_STATUS(RequireColumns(p, {"payout_id", "type"}));
  HUB_TRY(const bool gross, CheckAmountPair(p, "gross"));
  HUB_TRY(const bool net, CheckAmountPair(p, "net"));
  if (!gross && !net) {
    return Bad("columns.net",
               "payout_line needs columns.net (or net_debit and net_credit) or columns.gross (or "
               "gross_debit and gross_credit)");
  }
  if (p.types.empty()) {
    return Bad("types",
               "payout_line needs a types table mapping the type column's values to payout line "
               "kinds (charge, refund, dispute, fee, payout, …)");
  }
  for (const auto& [value, kind] : p.types) {
    if (!PayoutKindFromString(kind)) {
      return Bad("types." + value,
                 fmt::format("types.{} = \"{}\" is not a payout line kind (charge, refund, fee, "
                             "adjustment, dispute, commission, tax, reserve, payout, other)",
                             value, kind));
    }
  }
  if (p.gateway.empty()) {
    return Bad("gateway", "gateway is required for payout_line (\"adyen\", \"paypal\", …)");
  }
  return Ok();
}

Status CheckBankProfile(const CsvProfile& p) {
  HUB_TRY(const bool amount, CheckAmountPair(p, "amount"));
  if (!amount) {
    return Bad("columns.amount",
               "bank_transaction needs columns.amount or columns.amount_debit and "
               "columns.amount_credit");
  }
  if (p.bank_account.empty() && !p.columns.contains("bank_account")) {
    return Bad("bank_account",
               "bank_transaction needs bank_account (fixed) or columns.bank_account");
  }
  const bool type = p.columns.contains("type");
  if (type && !p.columns.contains("amount")) {
    return Bad("columns.type",
               "columns.type signs an unsigned columns.amount; it cannot be used with "
               "amount_debit / amount_credit");
  }
  if (type != !p.types.empty()) {
    return Bad(type ? "types" : "columns.type",
               "columns.type and the types table (values → \"debit\" or \"credit\") go together");
  }
  for (const auto& [value, sign] : p.types) {
    if (sign != "debit" && sign != "credit") {
      return Bad("types." + value,
                 fmt::format("types.{} = \"{}\" must be \"debit\" or \"credit\"", value, sign));
    }
  }
  return Ok();
}

Status CheckInventoryProfile(const CsvProfile& p) {
  HUB_TRY_STATUS(RequireColumns(p, {"sku", "location", "on_hand"}));
  if (!p.types.empty()) {
    return Bad("types", "inventory_count has no type column: remove the types table");
  }
  return Ok();
}

// ---- one file ---------------------------------------------------------------

// A parsed file whose header has been matched against the profile.
class Sheet {
 public:
  Sheet(const CsvProfile& profile, std::string_view profile_name)
      : profile_(profile), profile_name_(profile_name) {}

  Status Open(std::vector<CsvRow> rows) {
    if (rows.empty()) {
      return Fail(ErrorCode::kParse, "the file is empty: a header row is required", "line 1");
    }
    rows_ = std::move(rows);
    for (const std::string& cell : rows_[0].fields) {
      header_.emplace_back(TrimBlanks(cell));
    }
    for (const auto& [key, names] : profile_.columns) {
      std::vector<std::size_t>& indices = key_columns_[key];
      for (const std::string& name : names) {
        HUB_TRY(const std::size_t index, Resolve(name, "columns." + key));
        indices.push_back(index);
      }
    }
    HUB_TRY(currency_column_, ResolveOptional(profile_.currency_column, "currency_column"));
    HUB_TRY(date_column_, ResolveOptional(profile_.date_column, "date_column"));
    HUB_TRY(zone_column_, ResolveOptional(profile_.timezone_column, "timezone_column"));
    HUB_TRY(zone_minutes_, csv_internal::ParseZoneOffsetMinutes(profile_.timezone));
    return Ok();
  }

  std::size_t size() const { return rows_.size() - 1; }
  const CsvRow& Row(std::size_t i) const { return rows_[i + 1]; }
  const CsvProfile& profile() const { return profile_; }
  bool Has(std::string_view key) const { return key_columns_.contains(key); }

  Status CheckWidth(const CsvRow& row) const {
    if (row.fields.size() == header_.size()) {
      return Ok();
    }
    return Fail(ErrorCode::kParse,
                fmt::format("{} fields, but the header (line {}) has {}", row.fields.size(),
                            rows_[0].line, header_.size()),
                fmt::format("line {}, column {}", row.line,
                            std::min(row.fields.size(), header_.size()) + 1));
  }

  std::string Where(const CsvRow& row, std::size_t column) const {
    return fmt::format("line {}, column {} ({})", row.line, column + 1, header_[column]);
  }
  std::string WhereKey(const CsvRow& row, std::string_view key) const {
    return Where(row, key_columns_.find(key)->second.front());
  }
  Error At(ErrorCode code, const CsvRow& row, std::size_t column, std::string message) const {
    return Error(code, std::move(message), Where(row, column));
  }
  std::string_view Cell(const CsvRow& row, std::size_t column) const {
    return TrimBlanks(row.fields[column]);
  }

  // The mapped cells of `key` joined (ids with ':', text with ' '); "" when not
  // mapped. `required`: every part must be non-empty.
  Result<std::string> Text(const CsvRow& row, std::string_view key, bool required) const {
    const auto it = key_columns_.find(key);
    if (it == key_columns_.end()) {
      return std::string();
    }
    const char glue = CombineOf(key) == Combine::kJoinText ? ' ' : ':';
    std::string out;
    for (const std::size_t column : it->second) {
      const std::string_view value = Cell(row, column);
      if (value.empty()) {
        if (required) {
          return Fail(
              At(ErrorCode::kInvalidArgument, row, column, fmt::format("{} is empty", key)));
        }
        continue;
      }
      if (!out.empty()) {
        out.push_back(glue);
      }
      out.append(value);
    }
    return out;
  }

  Result<Currency> RowCurrency(const CsvRow& row) const {
    if (!currency_column_) {
      return *Currency::FromCode(profile_.currency);  // checked by ValidateCsvProfile
    }
    const std::string_view code = Cell(row, *currency_column_);
    std::string upper(code);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    auto c = Currency::FromCode(upper);
    if (!c) {
      return Fail(At(ErrorCode::kInvalidArgument, row, *currency_column_,
                     code.empty() ? "currency is empty" : c.error().message));
    }
    return *c;
  }

  Result<Instant> RowDate(const CsvRow& row) const {
    std::int32_t offset = zone_minutes_;
    if (zone_column_) {
      const std::string_view zone = Cell(row, *zone_column_);
      if (!zone.empty()) {
        auto parsed = csv_internal::ParseZoneOffsetMinutes(zone);
        if (!parsed) {
          return Fail(At(ErrorCode::kParse, row, *zone_column_, parsed.error().message));
        }
        offset = *parsed;
      }
    }
    const std::string_view text = Cell(row, *date_column_);
    if (text.empty()) {
      return Fail(At(ErrorCode::kInvalidArgument, row, *date_column_, "date is empty"));
    }
    auto date = csv_internal::ParseCsvDate(text, profile_.date_format, offset);
    if (!date) {
      return Fail(At(date.error().code, row, *date_column_, date.error().message));
    }
    return *date;
  }
  bool HasDate() const { return date_column_.has_value(); }
  std::string CurrencyWhere(const CsvRow& row) const {
    return currency_column_ ? Where(row, *currency_column_) : fmt::format("line {}", row.line);
  }

  // Σ of the cells of `key` (nullopt when not mapped); empty cells are zero
  // unless `empty_is_error` and the key has one column. `magnitudes`: read
  // each cell without its sign (debit and credit columns).
  Result<std::optional<Money>> Sum(const CsvRow& row, std::string_view key, Currency currency,
                                   bool empty_is_error, bool magnitudes = false) const {
    const auto it = key_columns_.find(key);
    if (it == key_columns_.end()) {
      return std::optional<Money>();
    }
    const csv_internal::AmountFormat format{profile_.decimal_separator,
                                            profile_.thousands_separator, profile_.minor_units};
    Money total = Money::Zero(currency);
    for (const std::size_t column : it->second) {
      const std::string_view text = Cell(row, column);
      if (text.empty()) {
        if (empty_is_error && it->second.size() == 1) {
          return Fail(
              At(ErrorCode::kInvalidArgument, row, column, fmt::format("{} is empty", key)));
        }
        continue;
      }
      auto m = csv_internal::ParseAmount(text, currency, format);
      if (m && magnitudes) {
        m = Magnitude(*m);
      }
      if (!m) {
        return Fail(At(m.error().code, row, column, m.error().message));
      }
      auto sum = total.Add(*m);
      if (!sum) {
        return Fail(At(sum.error().code, row, column, sum.error().message));
      }
      total = *sum;
    }
    return std::optional<Money>(total);
  }

  // columns.<base> (signed), or credit − debit from <base>_debit / <base>_credit.
  Result<std::optional<Money>> Signed(const CsvRow& row, const std::string& base,
                                      Currency currency) const {
    if (Has(base)) {
      return Sum(row, base, currency, /*empty_is_error=*/true);
    }
    HUB_TRY(const std::optional<Money> debit, Sum(row, base + "_debit", currency, false, true));
    HUB_TRY(const std::optional<Money> credit, Sum(row, base + "_credit", currency, false, true));
    if (!debit || !credit) {
      return std::optional<Money>();
    }
    auto m = credit->Sub(*debit);
    if (!m) {
      return Fail(Error(m.error().code, m.error().message, WhereKey(row, base + "_credit")));
    }
    return std::optional<Money>(*m);
  }

 private:
  Result<std::size_t> Resolve(const std::string& name, std::string_view key) const {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] != name) {
        continue;
      }
      if (found) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("header \"{}\" ({} of csv profile {}) appears twice", name, key,
                                profile_name_),
                    fmt::format("line {}, column {}", rows_[0].line, i + 1));
      }
      found = i;
    }
    if (!found) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("the header has no column \"{}\" ({} of csv profile {})", name, key,
                              profile_name_),
                  fmt::format("line {}", rows_[0].line));
    }
    return *found;
  }
  Result<std::optional<std::size_t>> ResolveOptional(const std::string& name,
                                                     std::string_view key) const {
    if (name.empty()) {
      return std::optional<std::size_t>();
    }
    HUB_TRY(const std::size_t index, Resolve(name, key));
    return std::optional<std::size_t>(index);
  }

  const CsvProfile& profile_;
  std::string_view profile_name_;
  std::vector<CsvRow> rows_;
  std::vector<std::string> header_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> key_columns_;
  std::optional<std::size_t> currency_column_, date_column_, zone_column_;
  std::int32_t zone_minutes_ = 0;
};

// What every record of one delivery shares.
struct FileContext {
  std::string file;
  std::string account;
  EventIds ids;
  Instant received_at;

  std::string RowId(const CsvRow& row) const { return fmt::format("{}:{}", file, row.line); }
  Lineage MakeLineage(const CsvRow& row) const {
    Lineage l;
    l.source_system = std::string(kSystem);
    l.source_account = account;
    l.source_id = RowId(row);
    l.correlation_id = ids.correlation_id;
    return l;
  }
};

// ---- payout_line ------------------------------------------------------------

struct PayoutGroup {
  Payout payout;
  std::size_t first_row = 0;       // index among data rows: the event's index
  const CsvRow* anchor = nullptr;  // the payout row if any, else the first row: lineage
  Money lines_net;                 // Σ net of the non-payout rows
  std::optional<Money> paid;       // −Σ net of the payout rows
  std::string paid_where;
  Instant latest;
};

// The column that locates a payout line's amount in errors.
std::string_view AmountKey(const Sheet& s) {
  for (std::string_view key : {"net", "net_debit", "gross", "gross_debit"}) {
    if (s.Has(key)) {
      return key;
    }
  }
  return "net";  // unreachable: ValidateCsvProfile requires one of them
}

struct RowAmounts {
  Money gross, fee, net;
};

Result<RowAmounts> PayoutAmounts(const Sheet& s, const CsvRow& row, Currency c) {
  HUB_TRY(const std::optional<Money> fee_or, s.Sum(row, "fee", c, /*empty_is_error=*/false));
  const Money fee = fee_or.value_or(Money::Zero(c));
  HUB_TRY(const std::optional<Money> gross, s.Signed(row, "gross", c));
  HUB_TRY(const std::optional<Money> net, s.Signed(row, "net", c));
  const std::string net_key = s.Has("net") ? "net" : "net_credit";
  if (gross && net) {
    HUB_TRY(const Money expected, Placed(gross->Sub(fee), s.WhereKey(row, net_key)));
    if (expected != *net) {
      return Fail(ErrorCode::kAmountMismatch,
                  fmt::format("gross {} − fee {} = {} but net is {}", gross->ToDecimal(),
                              fee.ToDecimal(), expected.ToDecimal(), net->ToDecimal()),
                  s.WhereKey(row, net_key));
    }
    return RowAmounts{*gross, fee, *net};
  }
  if (net) {
    auto g = net->Add(fee);
    if (!g) {
      return Fail(Error(g.error().code, g.error().message, s.WhereKey(row, net_key)));
    }
    return RowAmounts{*g, fee, *net};
  }
  const std::string gross_key = s.Has("gross") ? "gross" : "gross_credit";
  auto n = gross->Sub(fee);
  if (!n) {
    return Fail(Error(n.error().code, n.error().message, s.WhereKey(row, gross_key)));
  }
  return RowAmounts{*gross, fee, *n};
}

Result<PayoutLineKind> RowKind(const Sheet& s, const CsvRow& row, std::string_view profile_name,
                               std::string* type_text) {
  HUB_TRY(*type_text, s.Text(row, "type", /*required=*/true));
  const auto it = s.profile().types.find(*type_text);
  if (it == s.profile().types.end()) {
    return Fail(ErrorCode::kUnmapped,
                fmt::format("type \"{}\" is not mapped: add it to "
                            "[sources.csv.profiles.{}.types]",
                            *type_text, profile_name),
                s.WhereKey(row, "type"));
  }
  return *PayoutKindFromString(it->second);  // checked by ValidateCsvProfile
}

Status AddPayoutRow(const Sheet& s, const FileContext& ctx, std::string_view profile_name,
                    std::size_t index, std::vector<PayoutGroup>& groups,
                    std::map<std::string, std::size_t>& group_of) {
  const CsvRow& row = s.Row(index);
  HUB_TRY(const std::string payout_id, s.Text(row, "payout_id", /*required=*/true));
  std::string type_text;
  HUB_TRY(const PayoutLineKind kind, RowKind(s, row, profile_name, &type_text));
  HUB_TRY(const Currency currency, s.RowCurrency(row));
  HUB_TRY(const Instant at, s.RowDate(row));
  HUB_TRY(const RowAmounts amounts, PayoutAmounts(s, row, currency));
  auto [slot, inserted] = group_of.try_emplace(payout_id, groups.size());
  if (inserted) {
    PayoutGroup g;
    g.payout.payout_id = payout_id;
    g.payout.gateway = s.profile().gateway;
    g.payout.status = "paid";
    g.first_row = index;
    g.anchor = &row;
    g.lines_net = Money::Zero(currency);
    g.latest = at;
    groups.push_back(std::move(g));
  }
  PayoutGroup& g = groups[slot->second];
  if (!(g.lines_net.currency() == currency)) {
    return Fail(ErrorCode::kCurrencyMismatch,
                fmt::format("payout {} is in {} but this row is in {}", payout_id,
                            g.lines_net.currency().code(), currency.code()),
                s.CurrencyWhere(row));
  }
  g.latest = std::max(g.latest, at);
  const std::string where = s.WhereKey(row, AmountKey(s));
  if (kind == PayoutLineKind::kPayout) {
    HUB_TRY(const Money out, Placed(amounts.net.Negate(), where));
    if (g.paid) {
      HUB_TRY(g.paid, Placed(g.paid->Add(out), where));
    } else {
      g.paid = out;
    }
    g.paid_where = where;
    g.anchor = &row;
    g.payout.arrival_at = at;
    return Ok();
  }
  PayoutLine line;
  line.kind = kind;
  HUB_TRY(line.line_id, s.Text(row, "line_id", /*required=*/true));
  if (line.line_id.empty()) {
    line.line_id = ctx.RowId(row);
  }
  HUB_TRY(line.source_reference, s.Text(row, "reference", false));
  HUB_TRY(line.order_reference, s.Text(row, "order_reference", false));
  HUB_TRY(line.description, s.Text(row, "description", false));
  if (line.description.empty()) {
    line.description = type_text;
  }
  line.gross = amounts.gross;
  line.fee = amounts.fee;
  line.net = amounts.net;
  line.occurred_at = at;
  auto sum = g.lines_net.Add(amounts.net);
  if (!sum) {
    return Fail(Error(sum.error().code, sum.error().message, where));
  }
  g.lines_net = *sum;
  g.payout.lines.push_back(std::move(line));
  return Ok();
}

Result<std::vector<Event>> TranslatePayouts(const Sheet& s, const FileContext& ctx,
                                            std::string_view profile_name) {
  std::vector<PayoutGroup> groups;
  std::map<std::string, std::size_t> group_of;
  for (std::size_t i = 0; i < s.size(); ++i) {
    HUB_TRY_STATUS(s.CheckWidth(s.Row(i)));
    HUB_TRY_STATUS(AddPayoutRow(s, ctx, profile_name, i, groups, group_of));
  }
  std::vector<Event> events;
  events.reserve(groups.size());
  for (PayoutGroup& g : groups) {
    Payout& p = g.payout;
    if (g.paid) {
      if (*g.paid != g.lines_net) {
        return Fail(ErrorCode::kAmountMismatch,
                    fmt::format("payout {}: its rows net to {} but its payout row pays {}",
                                p.payout_id, g.lines_net.ToDecimal(), g.paid->ToDecimal()),
                    g.paid_where);
      }
      p.amount = *g.paid;
    } else {
      p.amount = g.lines_net;
      p.arrival_at = g.latest;
    }
    p.lineage = ctx.MakeLineage(*g.anchor);
    const std::string key = fmt::format("csv:{}:payout:{}", ctx.account, p.payout_id);
    events.push_back(MakeEvent(ctx.ids, g.first_row, "payout.paid", key, p.payout_id, p.arrival_at,
                               ToJson(p, EventStorage())));
  }
  return events;
}

// ---- bank_transaction -------------------------------------------------------

Result<Money> BankAmount(const Sheet& s, const CsvRow& row, Currency c,
                         std::string_view profile_name) {
  HUB_TRY(const std::optional<Money> amount, s.Signed(row, "amount", c));
  if (!s.Has("type")) {
    return *amount;  // the profile maps amount or its debit/credit pair
  }
  HUB_TRY(const std::string type, s.Text(row, "type", /*required=*/true));
  const auto it = s.profile().types.find(type);
  if (it == s.profile().types.end()) {
    return Fail(ErrorCode::kUnmapped,
                fmt::format("type \"{}\" is not mapped: add it to "
                            "[sources.csv.profiles.{}.types] as \"debit\" or \"credit\"",
                            type, profile_name),
                s.WhereKey(row, "type"));
  }
  const std::string where = s.WhereKey(row, "amount");
  HUB_TRY(const Money magnitude, Placed(Magnitude(*amount), where));
  return it->second == "debit" ? Placed(magnitude.Negate(), where) : Result<Money>(magnitude);
}

Result<Event> TranslateBankRow(const Sheet& s, const FileContext& ctx,
                               std::string_view profile_name, std::size_t index) {
  const CsvRow& row = s.Row(index);
  HUB_TRY_STATUS(s.CheckWidth(row));
  BankTransaction t;
  HUB_TRY(const Currency currency, s.RowCurrency(row));
  HUB_TRY(t.booked_at, s.RowDate(row));
  HUB_TRY(t.amount, BankAmount(s, row, currency, profile_name));
  HUB_TRY(t.transaction_id, s.Text(row, "transaction_id", /*required=*/true));
  if (t.transaction_id.empty()) {
    t.transaction_id = ctx.RowId(row);
  }
  HUB_TRY(t.bank_account, s.Text(row, "bank_account", false));
  if (t.bank_account.empty()) {
    t.bank_account = s.profile().bank_account;
  }
  if (t.bank_account.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "bank account is empty",
                s.WhereKey(row, "bank_account"));
  }
  HUB_TRY(t.reference, s.Text(row, "reference", false));
  HUB_TRY(t.description, s.Text(row, "description", false));
  t.lineage = ctx.MakeLineage(row);
  const std::string key = fmt::format("csv:{}:bank:{}", ctx.account, t.bank_account);
  const std::string id = t.transaction_id;
  return MakeEvent(ctx.ids, index, "bank.transaction", key, id, t.booked_at,
                   ToJson(t, EventStorage()));
}

// ---- inventory_count --------------------------------------------------------

Result<Event> TranslateInventoryRow(const Sheet& s, const FileContext& ctx, std::size_t index) {
  const CsvRow& row = s.Row(index);
  HUB_TRY_STATUS(s.CheckWidth(row));
  InventoryAdjustment a;
  HUB_TRY(a.sku, s.Text(row, "sku", /*required=*/true));
  HUB_TRY(a.location_id, s.Text(row, "location", /*required=*/true));
  HUB_TRY(const std::string count_text, s.Text(row, "on_hand", /*required=*/true));
  auto count = csv_internal::ParseCount(count_text);
  if (!count) {
    return Fail(Error(count.error().code, count.error().message, s.WhereKey(row, "on_hand")));
  }
  a.on_hand = *count;
  a.reason = "count";
  if (s.HasDate()) {
    HUB_TRY(a.occurred_at, s.RowDate(row));
  } else {
    a.occurred_at = ctx.received_at;  // stored with the message: a replay sees the same instant
  }
  a.lineage = ctx.MakeLineage(row);
  const std::string key = a.sku + "@" + a.location_id;
  return MakeEvent(ctx.ids, index, "inventory.adjusted", key, key, a.occurred_at,
                   ToJson(a, EventStorage()));
}

}  // namespace

std::string_view ToString(CsvRecordType type) {
  switch (type) {
    case CsvRecordType::kPayoutLine:
      return "payout_line";
    case CsvRecordType::kBankTransaction:
      return "bank_transaction";
    case CsvRecordType::kInventoryCount:
      return "inventory_count";
  }
  return "unknown";
}

std::optional<CsvRecordType> CsvRecordTypeFromString(std::string_view name) {
  for (const CsvRecordType t : {CsvRecordType::kPayoutLine, CsvRecordType::kBankTransaction,
                                CsvRecordType::kInventoryCount}) {
    if (ToString(t) == name) {
      return t;
    }
  }
  return std::nullopt;
}

std::span<const std::string_view> CsvColumnKeys(CsvRecordType type) {
  switch (type) {
    case CsvRecordType::kPayoutLine:
      return kPayoutKeys;
    case CsvRecordType::kBankTransaction:
      return kBankKeys;
    case CsvRecordType::kInventoryCount:
      return kInventoryKeys;
  }
  return {};
}

Status ValidateCsvProfile(const CsvProfile& profile) {
  HUB_TRY_STATUS(CheckFormat(profile));
  HUB_TRY_STATUS(CheckColumns(profile));
  HUB_TRY_STATUS(CheckMoneyAndDate(profile));
  if (profile.record != CsvRecordType::kPayoutLine && !profile.gateway.empty()) {
    return Bad("gateway", "gateway is only used by record payout_line");
  }
  if (profile.record != CsvRecordType::kBankTransaction && !profile.bank_account.empty()) {
    return Bad("bank_account", "bank_account is only used by record bank_transaction");
  }
  switch (profile.record) {
    case CsvRecordType::kPayoutLine:
      return CheckPayoutProfile(profile);
    case CsvRecordType::kBankTransaction:
      return CheckBankProfile(profile);
    case CsvRecordType::kInventoryCount:
      return CheckInventoryProfile(profile);
  }
  return Ok();
}

CsvConnector::CsvConnector(Profiles profiles) : profiles_(std::move(profiles)) {
  for (const auto& [name, profile] : profiles_) {
    const Status valid = ValidateCsvProfile(profile);
    HUB_ASSERT(valid.has_value());  // config loading validates first
  }
}

Status CsvConnector::Verify(const Delivery& /*delivery*/, const Secrets& /*secrets*/,
                            const Clock& /*clock*/) const {
  return Fail(ErrorCode::kUnauthenticated,
              "csv files are ingested with `retailhub ingest --source csv` or the drop folder "
              "<data>/inbox/csv/, not posted as webhooks");
}

Result<std::string> CsvConnector::DedupKey(const Delivery& delivery) const {
  return "sha256:" + Sha256Hex(delivery.body);
}

Result<std::string> CsvConnector::Topic(const Delivery& delivery) const {
  if (!delivery.topic.empty()) {
    return delivery.topic;
  }
  const std::optional<std::string_view> file = delivery.Header(kFileHeader);
  std::string_view best;
  for (const auto& [profile_name, profile] : profiles_) {
    const bool prefix =
        file && file->starts_with(profile_name) &&
        (file->size() == profile_name.size() ||
         kProfileNameEnds.find((*file)[profile_name.size()]) != std::string_view::npos);
    if (prefix && profile_name.size() > best.size()) {
      best = profile_name;
    }
  }
  if (best.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("cannot tell the csv profile of {}: pass --topic <profile> or start "
                            "the file name with a profile name and '_' ({})",
                            file ? fmt::format("\"{}\"", *file) : std::string("the delivery"),
                            fmt::format("profiles: {}", NamesOf(profiles_))),
                "topic");
  }
  return std::string(best);
}

Result<std::vector<Event>> CsvConnector::Translate(const Delivery& delivery) const {
  if (delivery.body.size() > kDeliveryBodyBytesMax) {
    return Fail(ErrorCode::kTooLarge, fmt::format("body of {} bytes exceeds {}",
                                                  delivery.body.size(), kDeliveryBodyBytesMax));
  }
  HUB_TRY(const std::string topic, Topic(delivery));
  const auto it = profiles_.find(topic);
  if (it == profiles_.end()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("unknown csv profile \"{}\" (profiles: {}; each is a "
                            "[sources.csv.profiles.<name>] table of the config file)",
                            topic, NamesOf(profiles_)),
                "topic");
  }
  const CsvProfile& profile = it->second;
  HUB_TRY(std::vector<CsvRow> rows, csv_internal::ReadCsvRows(delivery.body, profile.delimiter));
  Sheet sheet(profile, it->first);
  HUB_TRY_STATUS(sheet.Open(std::move(rows)));
  FileContext ctx;
  ctx.file = std::string(delivery.Header(kFileHeader).value_or(kUnnamedFile));
  ctx.account = delivery.account;
  ctx.ids = MakeEventIds(kSystem, delivery.account, "sha256:" + Sha256Hex(delivery.body));
  ctx.received_at = delivery.received_at;
  if (profile.record == CsvRecordType::kPayoutLine) {
    return TranslatePayouts(sheet, ctx, it->first);
  }
  std::vector<Event> events;
  events.reserve(sheet.size());
  for (std::size_t i = 0; i < sheet.size(); ++i) {
    HUB_TRY(Event e, profile.record == CsvRecordType::kBankTransaction
                         ? TranslateBankRow(sheet, ctx, it->first, i)
                         : TranslateInventoryRow(sheet, ctx, i));
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace hub
