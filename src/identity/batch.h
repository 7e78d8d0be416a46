// Batch identity resolution over a CSV file: the body of
// `retailhub identity resolve --input FILE.csv --id-column COL [--map SRC=FIELD,...]
// --output OUT.csv`. Writes `record_id,cluster_id` for every input row, in
// input order. Also the RFC 4180 CSV reader the benchmark shares.
// Thread-compatible (no shared state).
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "identity/record.h"
#include "identity/resolver.h"

namespace hub::identity {

struct ResolveOptions {
  std::string input, id_column, output;
  // (CSV column, canonical field) pairs; columns named exactly like a
  // canonical field map themselves when not listed.
  std::vector<std::pair<std::string, std::string>> map;
  std::string default_region = "US";
  bool progress = false;
};

// Returns 0 when every row was resolved, 1 on bad input (missing id column,
// unknown field in --map, unreadable file, ragged or malformed row: the
// message on `err` names the row and column).
int RunResolve(const ResolveOptions& options, std::ostream& out, std::ostream& err);

// RFC 4180: quoted fields, "" escapes, CRLF or LF, newlines inside quotes.
// Each row with its 1-based starting line number.
struct CsvRow {
  std::size_t line = 0;
  std::vector<std::string> cells;
};
Result<std::vector<CsvRow>> ParseCsv(std::string_view text);

// Reads the CSV at options.input into source records (source "input", id
// from options.id_column, fields through options.map). Errors name the row
// ("line 7") and the column.
Result<std::vector<SourceRecord>> ReadRecordsCsv(const ResolveOptions& options);

}  // namespace hub::identity
