#include "app/mappings.h"

#include <fmt/format.h>

#include <algorithm>

namespace hub::app {
namespace {

namespace json = boost::json;

constexpr store::Migration kMigrations[] = {
    {"mappings", 1,
     "CREATE TABLE mapping_versions (version INTEGER PRIMARY KEY, section TEXT NOT NULL, content "
     "TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL)"},
};

using ledger::AccountTypeName;

Error Invalid(std::string message, std::string field) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

Result<std::string> AccountIn(const ledger::Chart& chart, const json::value& v,
                              const std::string& path) {
  if (!v.is_string() || v.as_string().empty()) {
    return Fail(Invalid("must be an account code (a non-empty string)", path));
  }
  std::string code(v.as_string());
  if (!chart.IndexOf(code)) {
    return Fail(Invalid(fmt::format("account {} is not in the chart of accounts", code), path));
  }
  return code;
}

Result<std::map<std::string, std::string, std::less<>>> AccountMap(const ledger::Chart& chart,
                                                                   const json::value& doc) {
  if (!doc.is_object()) {
    return Fail(Invalid("must be a JSON object of name -> account code", "$"));
  }
  std::map<std::string, std::string, std::less<>> out;
  for (const auto& [k, v] : doc.as_object()) {
    const std::string path = fmt::format("$.{}", std::string_view(k));
    if (k.empty() || k.size() > 64) {
      return Fail(Invalid("keys must be 1..64 characters", path));
    }
    HUB_TRY(std::string code, AccountIn(chart, v, path));
    out.emplace(std::string(k), std::move(code));
  }
  return out;
}

Status ApplyChart(FinanceDomain& f, const json::value& doc) {
  if (!doc.is_array()) {
    return Fail(Invalid("chart must be an array of {code, name, erp_code}", "$"));
  }
  // Validate everything first: a change applies whole or not at all.
  struct Label {
    std::string code, name, erp_code;
  };
  std::vector<Label> labels;
  const ledger::Chart& chart = f.journal->chart();
  for (std::size_t i = 0; i < doc.as_array().size(); ++i) {
    const json::value& e = doc.as_array()[i];
    const std::string path = fmt::format("$[{}]", i);
    if (!e.is_object()) {
      return Fail(Invalid("must be an object {code, name, erp_code}", path));
    }
    const json::object& o = e.as_object();
    for (const auto& [k, v] : o) {
      if (k != "code" && k != "name" && k != "erp_code" && k != "type") {
        return Fail(Invalid(fmt::format("unknown key {}", std::string_view(k)),
                            path + "." + std::string(k)));
      }
    }
    const json::value* code = o.if_contains("code");
    if (code == nullptr || !code->is_string()) {
      return Fail(Invalid("code is required", path + ".code"));
    }
    const auto idx = chart.IndexOf(code->as_string());
    if (!idx) {
      return Fail(Invalid(fmt::format("account {} is not in the chart; new accounts are added in "
                                      "config/posting.toml [[ledger.accounts]] and a restart",
                                      std::string_view(code->as_string())),
                          path + ".code"));
    }
    const ledger::Account& acc = chart.at(*idx);
    if (const json::value* t = o.if_contains("type");
        t != nullptr && (!t->is_string() || t->as_string() != AccountTypeName(acc.type))) {
      return Fail(Invalid(fmt::format("the type of account {} cannot change (it is {})", acc.code,
                                      AccountTypeName(acc.type)),
                          path + ".type"));
    }
    Label l{acc.code, acc.name, acc.erp_code};
    if (const json::value* n = o.if_contains("name"); n != nullptr) {
      if (!n->is_string() || n->as_string().empty()) {
        return Fail(Invalid("name must be a non-empty string", path + ".name"));
      }
      l.name = std::string(n->as_string());
    }
    if (const json::value* n = o.if_contains("erp_code"); n != nullptr) {
      if (!n->is_string()) {
        return Fail(Invalid("erp_code must be a string", path + ".erp_code"));
      }
      l.erp_code = std::string(n->as_string());
    }
    labels.push_back(std::move(l));
  }
  for (auto& l : labels) {
    HUB_TRY_STATUS(f.journal->RelabelAccount(l.code, std::move(l.name), std::move(l.erp_code)));
  }
  return Ok();
}

}  // namespace

std::span<const store::Migration> MappingMigrations() { return kMigrations; }

json::object MappingsJson(const FinanceDomain& f, std::int64_t version) {
  json::array chart;
  for (const auto& a : f.journal->chart().accounts()) {
    chart.push_back(json::object{{"code", a.code},
                                 {"name", a.name},
                                 {"type", AccountTypeName(a.type)},
                                 {"erp_code", a.erp_code}});
  }
  const orders::PostingConfig& c = f.engine->config();
  json::object tenders;
  for (const auto& [k, v] : c.clearing) {
    tenders[k] = v;
  }
  json::object tax;
  for (const auto& [k, v] : c.tax_accounts) {
    tax[k] = v;
  }
  if (!c.tax_default_account.empty()) {
    tax["*"] = c.tax_default_account;
  }
  json::array locations;
  for (const auto& l : c.locations) {
    locations.push_back(json::string(l));
  }
  return json::object{{"version", version},
                      {"chart", std::move(chart)},
                      {"tenders", std::move(tenders)},
                      {"tax_codes", std::move(tax)},
                      {"locations", std::move(locations)}};
}

Status ApplyMapping(FinanceDomain& f, std::string_view section, const json::value& doc) {
  if (section == "chart") {
    return ApplyChart(f, doc);
  }
  orders::PostingConfig next = f.engine->config();
  const ledger::Chart& chart = f.journal->chart();
  if (section == "tenders") {
    HUB_TRY(next.clearing, AccountMap(chart, doc));
  } else if (section == "tax_codes") {
    HUB_TRY(auto m, AccountMap(chart, doc));
    next.tax_default_account.clear();
    if (auto it = m.find("*"); it != m.end()) {
      next.tax_default_account = it->second;
      m.erase(it);
    }
    next.tax_accounts = std::move(m);
  } else if (section == "locations") {
    if (!doc.is_array()) {
      return Fail(Invalid("locations must be an array of location ids", "$"));
    }
    next.locations.clear();
    for (std::size_t i = 0; i < doc.as_array().size(); ++i) {
      const json::value& v = doc.as_array()[i];
      if (!v.is_string() || v.as_string().empty() || v.as_string().size() > 64) {
        return Fail(Invalid("must be a location id of 1..64 characters", fmt::format("$[{}]", i)));
      }
      next.locations.emplace(v.as_string());
    }
  } else {
    return Fail(Invalid("section must be chart, tenders, tax_codes or locations", "section"));
  }
  f.engine = std::make_unique<orders::PostingEngine>(std::move(next));
  return Ok();
}

Result<std::int64_t> MappingVersion(store::Connection& conn) {
  HUB_TRY(store::Statement * q, conn.Prepare("SELECT COALESCE(MAX(version), 1) FROM "
                                             "mapping_versions"));
  HUB_TRY(bool row, q->Step());
  const std::int64_t v = row ? q->Int(0) : 1;
  q->Reset();
  return v;
}

Result<std::int64_t> UpdateMapping(FinanceDomain& f, store::Connection& conn,
                                   std::string_view section, const json::value& doc,
                                   std::int64_t expected_version, std::string_view actor,
                                   Instant at) {
  HUB_TRY(std::int64_t current, MappingVersion(conn));
  if (current != expected_version) {
    return Fail(ErrorCode::kConflict,
                fmt::format("the mappings are at version {}, not {}: read them again", current,
                            expected_version),
                "If-Match");
  }
  // Apply to memory first (validates), then store; a failed store puts the
  // previous mapping back by re-applying what the store holds.
  const json::object before = MappingsJson(f, current);
  HUB_TRY_STATUS(ApplyMapping(f, section, doc));
  HUB_TRY(store::Statement * ins,
          conn.Prepare("INSERT INTO mapping_versions (version, section, content, actor, at) "
                       "VALUES ($1, $2, $3, $4, $5)"));
  ins->Bind(1, current + 1)
      .Bind(2, section)
      .Bind(3, json::serialize(doc))
      .Bind(4, actor)
      .Bind(5, at.micros);
  if (auto st = ins->Run(); !st) {
    (void)ApplyMapping(f, section, before.at(section));
    return Fail(st.error());
  }
  return current + 1;
}

Status ReplayMappings(FinanceDomain& f, store::Connection& conn) {
  HUB_TRY(store::Statement * q,
          conn.Prepare("SELECT version, section, content FROM mapping_versions ORDER BY version"));
  HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) -> Status {
    const std::int64_t version = row.Int(0);
    const std::string section = row.Text(1);
    boost::system::error_code ec;
    json::value doc = json::parse(row.Text(2), ec);
    if (ec) {
      return Fail(ErrorCode::kParse, fmt::format("mapping version {} is not JSON", version));
    }
    if (auto st = ApplyMapping(f, section, doc); !st) {
      return Fail(st.error().code,
                  fmt::format("mapping version {} ({}) no longer applies: {}", version, section,
                              st.error().message),
                  st.error().field);
    }
    return Ok();
  }));
  return Ok();
}

}  // namespace hub::app
