// Mappings editable while the hub runs: the chart's names and ERP codes,
// tender (gateway or tender kind) -> clearing account, tax code -> account,
// and the known locations. Each change is a new version stored in
// `mapping_versions` (who, when, the section's new content); at start the
// stored versions are applied over config/posting.toml in order, so a change
// survives a restart. A business exception raised for an unmapped tender or
// tax code replays to success once its mapping exists.
// Thread-safety: callers hold FinanceDomain::mu around Apply*/Json.
#pragma once

#include <boost/json.hpp>
#include <span>
#include <string>

#include "app/domains.h"
#include "store/store.h"

namespace hub::app {

inline constexpr std::string_view kMappingSections[] = {"chart", "tenders", "tax_codes",
                                                        "locations"};

std::span<const store::Migration> MappingMigrations();

// {"version":N,"chart":[{code,name,type,erp_code}],"tenders":{…},"tax_codes":{…},"locations":[…]}
// `tax_codes` holds "*" for the account of codes not listed, when set.
boost::json::object MappingsJson(const FinanceDomain& f, std::int64_t version);

// Validates `doc` for `section` against the live chart and applies it to the
// posting engine (and the chart, for "chart"). Nothing changes on error;
// kInvalidArgument names the JSON path ("$.stripe", "$[2].code").
Status ApplyMapping(FinanceDomain& f, std::string_view section, const boost::json::value& doc);

// The stored version: 1 + the number of changes (1 = the file as loaded).
Result<std::int64_t> MappingVersion(store::Connection& conn);

// Checks `expected_version` (kConflict when another change came first),
// applies, and stores the change in the caller's connection. Returns the new version.
Result<std::int64_t> UpdateMapping(FinanceDomain& f, store::Connection& conn,
                                   std::string_view section, const boost::json::value& doc,
                                   std::int64_t expected_version, std::string_view actor,
                                   Instant at);

// Applies every stored change in version order (at start, after the posting
// rules are loaded).
Status ReplayMappings(FinanceDomain& f, store::Connection& conn);

}  // namespace hub::app
