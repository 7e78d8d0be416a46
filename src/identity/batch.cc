// Batch resolution: CSV in, Resolver::AddBatch, `record_id,cluster_id` out.
#include "identity/batch.h"

#include <chrono>
#include <fstream>
#include <ostream>
#include <sstream>

namespace hub::identity {
namespace {

std::string TrimCopy(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (b == std::string_view::npos) {
    return {};
  }
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

std::string CsvQuote(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(s);
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

Result<std::vector<CsvRow>> ParseCsv(std::string_view text) {
  std::vector<CsvRow> rows;
  std::size_t line = 1;
  std::size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    i = 3;  // UTF-8 byte order mark
  }
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    std::string cell;
    bool row_done = false;
    while (!row_done) {
      cell.clear();
      if (i < text.size() && text[i] == '"') {
        const std::size_t open_line = line;
        ++i;
        bool closed = false;
        while (i < text.size()) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              cell.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') {
            ++line;
          }
          cell.push_back(c);
          ++i;
        }
        if (!closed) {
          return Fail(ErrorCode::kParse,
                      "line " + std::to_string(open_line) + ", column " +
                          std::to_string(row.cells.size() + 1) + ": unterminated quoted field",
                      std::to_string(row.cells.size() + 1));
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return Fail(ErrorCode::kParse,
                      "line " + std::to_string(line) + ", column " +
                          std::to_string(row.cells.size() + 1) + ": text after a closing quote",
                      std::to_string(row.cells.size() + 1));
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          cell.push_back(text[i]);
          ++i;
        }
      }
      row.cells.push_back(cell);
      if (i >= text.size()) {
        row_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {
        if (text[i] == '\r') {
          ++i;
        }
        if (i < text.size() && text[i] == '\n') {
          ++i;
        }
        ++line;
        row_done = true;
      }
    }
    // Skip blank lines (a lone empty cell).
    if (!(row.cells.size() == 1 && row.cells[0].empty())) {
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

Result<std::vector<SourceRecord>> ReadRecordsCsv(const ResolveOptions& options) {
  std::ifstream in(options.input, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kIo, "cannot read input file " + options.input, "input");
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  HUB_TRY(std::vector<CsvRow> rows, ParseCsv(text));
  if (rows.empty()) {
    return Fail(ErrorCode::kParse, options.input + ": no header row", "input");
  }
  std::vector<std::string> header;
  for (const std::string& h : rows[0].cells) {
    header.push_back(TrimCopy(h));  // "rec_id, given_name": spaces after commas are common
  }
  auto column = [&header](std::string_view name) -> std::ptrdiff_t {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (header[c] == name) {
        return static_cast<std::ptrdiff_t>(c);
      }
    }
    return -1;
  };
  const std::ptrdiff_t id_col = column(TrimCopy(options.id_column));
  if (id_col < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "id column '" + options.id_column + "' not found in the header of " + options.input,
                options.id_column);
  }
  std::vector<std::pair<std::size_t, Field>> mapping;
  std::vector<bool> mapped(header.size(), false);
  for (const auto& [src, field_name] : options.map) {
    const auto field = ParseField(TrimCopy(field_name));
    if (!field) {
      return Fail(ErrorCode::kInvalidArgument,
                  "unknown field '" + field_name + "' in --map " + src + "=" + field_name +
                      " (known: first_name, last_name, email, phone, address_line1, "
                      "address_line2, street_number, city, postcode, region, country, "
                      "birth_date, loyalty_id, national_id)",
                  field_name);
    }
    const std::ptrdiff_t c = column(TrimCopy(src));
    if (c < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "column '" + src + "' in --map not found in the header of " + options.input, src);
    }
    mapping.emplace_back(static_cast<std::size_t>(c), *field);
    mapped[static_cast<std::size_t>(c)] = true;
  }
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (!mapped[c] && static_cast<std::ptrdiff_t>(c) != id_col) {
      if (const auto f = ParseField(header[c])) {
        mapping.emplace_back(c, *f);
      }
    }
  }
  std::vector<SourceRecord> records;
  records.reserve(rows.size() - 1);
  std::map<std::string, std::size_t> seen;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const CsvRow& row = rows[k];
    const std::string where =
        "line " + std::to_string(row.line) + " (row " + std::to_string(k) + ")";
    if (row.cells.size() != header.size()) {
      const std::string col = row.cells.size() < header.size()
                                  ? header[row.cells.size()]
                                  : "#" + std::to_string(header.size() + 1);
      return Fail(ErrorCode::kParse,
                  where + ", column '" + col + "': expected " + std::to_string(header.size()) +
                      " columns, found " + std::to_string(row.cells.size()),
                  col);
    }
    SourceRecord r;
    r.key.source = "input";
    r.key.id = TrimCopy(row.cells[static_cast<std::size_t>(id_col)]);
    if (r.key.id.empty()) {
      return Fail(
          ErrorCode::kInvalidArgument,
          where + ", column '" + header[static_cast<std::size_t>(id_col)] + "': empty record id",
          header[static_cast<std::size_t>(id_col)]);
    }
    if (auto [it, fresh] = seen.emplace(r.key.id, row.line); !fresh) {
      return Fail(ErrorCode::kInvalidArgument,
                  where + ", column '" + header[static_cast<std::size_t>(id_col)] +
                      "': duplicate record id '" + r.key.id + "' (first on line " +
                      std::to_string(it->second) + ")",
                  header[static_cast<std::size_t>(id_col)]);
    }
    r.phone_region = options.default_region;
    for (const auto& [c, f] : mapping) {
      std::string v = TrimCopy(row.cells[c]);
      std::string& slot = r.get(f);
      if (slot.empty()) {
        slot = std::move(v);
      } else if (!v.empty()) {
        slot += " " + v;  // two columns mapped to one field are joined
      }
    }
    records.push_back(std::move(r));
  }
  return records;
}

int RunResolve(const ResolveOptions& options, std::ostream& out, std::ostream& err) {
  const auto start = std::chrono::steady_clock::now();
  auto records = ReadRecordsCsv(options);
  if (!records) {
    err << "identity resolve: " << records.error().message << "\n";
    return 1;
  }
  std::vector<std::string> ids;
  ids.reserve(records->size());
  for (const SourceRecord& r : *records) {
    ids.push_back(r.key.id);
  }
  ResolverConfig config;
  config.normalize.default_region = options.default_region;
  Resolver resolver(config);
  auto events = resolver.AddBatch(std::move(*records));
  if (!events) {
    err << "identity resolve: " << events.error().message << "\n";
    return 1;
  }
  std::ofstream file;
  std::ostream* sink = &out;
  if (!options.output.empty() && options.output != "-") {
    file.open(options.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      err << "identity resolve: cannot write output file " << options.output << "\n";
      return 1;
    }
    sink = &file;
  }
  std::string body = "record_id,cluster_id\n";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const CustomerId c = resolver.state().records[i].cluster;
    body += CsvQuote(ids[i]);
    body += ',';
    body += c.ToString();
    body += '\n';
  }
  *sink << body;
  sink->flush();
  if (!*sink) {
    err << "identity resolve: write failed\n";
    return 1;
  }
  if (options.progress) {
    const ResolverStats& s = resolver.stats();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    err << "identity resolve: " << s.records << " records, " << s.candidate_pairs
        << " candidate pairs, " << resolver.state().clusters.size() << " customers, "
        << s.review_pairs << " review pairs, " << secs << " s\n";
  }
  return 0;
}

}  // namespace hub::identity
