#include "app/erasure.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>

#include "app/domains.h"

namespace hub::app {
namespace {

namespace json = boost::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// The digits of a phone-like string (only digits, spaces and + - ( ) .),
// a leading country code 1 dropped; empty when not phone-like or short.
std::string PhoneDigits(std::string_view s) {
  std::string d;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      d += c;
    } else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')' && c != '.') {
      return {};
    }
  }
  if (d.size() == 11 && d.front() == '1') {
    d.erase(0, 1);
  }
  return d.size() >= 7 ? d : std::string();
}

// Spans of `text` that are phone numbers however formatted: runs of digits
// and the separators people write between them (" -().+"), starting at a
// digit, '+' or '(' and ending at a digit, holding 7 or more digits. Calls
// fn(start, length, digits) with a leading country code 1 dropped.
template <typename Fn>
void ForEachPhoneRun(std::string_view text, Fn&& fn) {
  auto sep = [](char c) {
    return c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '+';
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '+' && c != '(') {
      ++i;
      continue;
    }
    std::size_t j = i;
    std::size_t last_digit = std::string_view::npos;
    std::string digits;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || sep(text[j]))) {
      if (std::isdigit(static_cast<unsigned char>(text[j]))) {
        digits += text[j];
        last_digit = j;
      }
      ++j;
    }
    if (last_digit != std::string_view::npos) {
      if (digits.size() == 11 && digits.front() == '1') {
        digits.erase(0, 1);
      }
      if (digits.size() >= 7) {
        fn(i, last_digit + 1 - i, digits);
      }
    }
    i = j > i ? j : i + 1;
  }
}

std::optional<identity::EventType> EventTypeNamed(std::string_view name) {
  using identity::EventType;
  for (EventType t : {EventType::kCreated, EventType::kLinked, EventType::kMerged,
                      EventType::kUnmerged, EventType::kErased}) {
    if (identity::EventName(t) == name) {
      return t;
    }
  }
  return std::nullopt;
}

identity::CustomerId CustomerIdFrom(std::string_view s) {
  if (!s.starts_with("cus_")) {
    return {};
  }
  std::uint64_t v = 0;
  for (char c : s.substr(4)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return {};
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return identity::CustomerId{v};
}

// Redacts the personal parts of a translated event (its data and source),
// leaving type, ids, key and correlation as they are.
int RedactEvent(json::object& event, const Redactor& redactor) {
  int n = 0;
  for (const char* part : {"data", "source"}) {
    if (auto* v = event.if_contains(part); v != nullptr) {
      n += redactor.Redact(*v);
    }
  }
  return n;
}

}  // namespace

void Redactor::Add(std::string_view value) {
  value = Trim(value);
  if (value.size() < 2) {
    return;
  }
  if (std::string d = PhoneDigits(value); !d.empty()) {
    phones_.push_back(std::move(d));
    texts_.push_back(Lower(value));
    return;
  }
  values_.push_back(Lower(value));
}

void Redactor::AddRecord(const identity::SourceRecord& record) {
  using identity::Field;
  for (std::size_t f = 0; f < identity::kFieldCount; ++f) {
    const auto field = static_cast<Field>(f);
    if (field == Field::kCountry || field == Field::kRegion) {
      continue;
    }
    Add(record.get(field));
  }
  const std::string& first = record.get(Field::kFirstName);
  const std::string& last = record.get(Field::kLastName);
  if (!first.empty() && !last.empty()) {
    Add(first + " " + last);
    Add(last + " " + first);
    Add(last + ", " + first);
  }
}

bool Redactor::Matches(std::string_view s) const {
  s = Trim(s);
  if (s.size() < 2) {
    return false;
  }
  if (std::string d = PhoneDigits(s); !d.empty()) {
    return std::find(phones_.begin(), phones_.end(), d) != phones_.end();
  }
  const std::string l = Lower(s);
  return std::find(values_.begin(), values_.end(), l) != values_.end();
}

bool Redactor::HoldsIdentifier(std::string_view text) const {
  const std::string l = Lower(text);
  for (const std::string& v : values_) {
    if (v.find('@') != std::string::npos && l.find(v) != std::string::npos) {
      return true;
    }
  }
  for (const std::string& t : texts_) {
    if (t.size() >= 7 && l.find(t) != std::string::npos) {
      return true;
    }
  }
  // Phones written another way than in the records.
  bool hit = false;
  ForEachPhoneRun(text, [&](std::size_t, std::size_t, const std::string& digits) {
    hit = hit || std::find(phones_.begin(), phones_.end(), digits) != phones_.end();
  });
  return hit;
}

int Redactor::Redact(json::value& v) const {
  int n = 0;
  if (v.is_string()) {
    if (Matches(v.as_string())) {
      v = json::string(kErased);
      ++n;
    }
  } else if (v.is_array()) {
    for (auto& x : v.as_array()) {
      n += Redact(x);
    }
  } else if (v.is_object()) {
    for (auto& [k, x] : v.as_object()) {
      n += Redact(x);
    }
  }
  return n;
}

int Redactor::RedactText(std::string& text) const {
  int n = 0;
  const std::string lower = Lower(text);
  std::vector<std::pair<std::size_t, std::size_t>> hits;
  std::vector<const std::string*> needles;
  for (const auto* list : {&values_, &texts_}) {
    for (const std::string& v : *list) {
      needles.push_back(&v);
    }
  }
  for (const std::string* needle : needles) {
    const std::string& v = *needle;
    if (v.size() < 4) {
      continue;
    }
    for (std::size_t at = lower.find(v); at != std::string::npos; at = lower.find(v, at + 1)) {
      hits.emplace_back(at, v.size());
    }
  }
  ForEachPhoneRun(text, [&](std::size_t at, std::size_t len, const std::string& digits) {
    if (std::find(phones_.begin(), phones_.end(), digits) != phones_.end()) {
      hits.emplace_back(at, len);
    }
  });
  // Leftmost first, the longest at a position ("ana souza" over "souza"),
  // never overlapping; then replaced back to front so offsets stay valid.
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  std::vector<std::pair<std::size_t, std::size_t>> chosen;
  std::size_t end = 0;
  for (const auto& h : hits) {
    if (h.first >= end) {
      chosen.push_back(h);
      end = h.first + h.second;
    }
  }
  for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) {
    text.replace(it->first, it->second, kErased);
    ++n;
  }
  return n;
}

Result<ScrubCounts> ScrubErasedRecords(
    store::Connection& conn,
    const std::vector<std::pair<identity::RecordKey, identity::RecordKey>>& renamed,
    const Redactor& redactor) {
  ScrubCounts counts;
  store::Transaction tx(conn);
  HUB_TRY_STATUS(tx.Begin());
  std::set<std::int64_t> seqs;
  for (const auto& [old_key, pseudo_key] : renamed) {
    const std::string old_s = old_key.ToString();
    const std::string pseudo_s = pseudo_key.ToString();
    // The record's decisions, grouped by the event that caused them, in one
    // pass over the log (it has no index by record: erasures are rare, every
    // identity event would pay for one).
    std::vector<std::pair<std::string, json::array>> by_event;
    {
      HUB_TRY(store::Statement * q,
              conn.Prepare("SELECT event_id, type, from_id, to_id FROM identity_events WHERE "
                           "record = $1 AND event_id <> '' ORDER BY seq"));
      q->Bind(1, old_s);
      HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
        std::string event_id = row.Text(0);
        auto it = std::find_if(by_event.begin(), by_event.end(),
                               [&](const auto& e) { return e.first == event_id; });
        if (it == by_event.end()) {
          it = by_event.insert(by_event.end(), {std::move(event_id), json::array{}});
        }
        it->second.push_back(
            json::object{{"type", row.Text(1)}, {"from", row.Text(2)}, {"to", row.Text(3)}});
      }));
    }
    for (const auto& [event_id, decisions] : by_event) {
      std::vector<std::pair<std::int64_t, std::string>> rows;
      {
        HUB_TRY(store::Statement * q,
                conn.Prepare("SELECT message_seq, event FROM bus_work WHERE domain = 'identity' "
                             "AND event_id = $1"));
        q->Bind(1, event_id);
        HUB_TRY_STATUS(store::ForEachRow(
            *q, [&](const store::Statement& row) { rows.emplace_back(row.Int(0), row.Text(1)); }));
      }
      for (auto& [seq, text] : rows) {
        boost::system::error_code ec;
        json::value event = json::parse(text, ec);
        if (ec || !event.is_object()) {
          continue;
        }
        counts.values += RedactEvent(event.as_object(), redactor);
        json::value& data = event.as_object()["data"];
        if (!data.is_object()) {
          data = json::object{};
        }
        data.as_object()["hub_erased"] =
            json::object{{"record", pseudo_s}, {"decisions", decisions}};
        HUB_TRY(store::Statement * up,
                conn.Prepare("UPDATE bus_work SET event = $1 WHERE domain = 'identity' AND "
                             "event_id = $2"));
        up->Bind(1, json::serialize(event)).Bind(2, event_id);
        HUB_TRY_STATUS(up->Run());
        ++counts.events;
        seqs.insert(seq);
      }
    }
    for (const char* sql : {"UPDATE identity_events SET record = $2 WHERE record = $1",
                            "UPDATE identity_actions SET a = $2 WHERE a = $1",
                            "UPDATE identity_actions SET b = $2 WHERE b = $1"}) {
      HUB_TRY(store::Statement * up, conn.Prepare(sql));
      up->Bind(1, old_s).Bind(2, pseudo_s);
      HUB_TRY_STATUS(up->Run());
    }
  }
  // Messages that never reached the resolver (quarantined, dead-lettered,
  // waiting) are the person's when they hold one of their identifiers.
  {
    // Through the partial indexes of untranslated and dead-lettered messages:
    // the translated ones (nearly all) are never read.
    HUB_TRY(store::Statement * q,
            conn.Prepare("SELECT seq, CAST(body AS TEXT) FROM bus_messages WHERE state = 'new' "
                         "UNION ALL SELECT seq, CAST(body AS TEXT) FROM bus_messages WHERE "
                         "state = 'dlq'"));
    HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
      if (redactor.HoldsIdentifier(row.Text(1))) {
        seqs.insert(row.Int(0));
      }
    }));
  }
  for (const std::int64_t seq : seqs) {
    {
      HUB_TRY(store::Statement * q,
              conn.Prepare("SELECT body, headers FROM bus_messages WHERE seq = $1"));
      q->Bind(1, seq);
      HUB_TRY(bool row, q->Step());
      if (row) {
        std::string body = q->Text(0);
        std::string headers = q->Text(1);
        q->Reset();
        int n = 0;
        boost::system::error_code ec;
        json::value parsed = json::parse(body, ec);
        if (!ec) {
          n += redactor.Redact(parsed);
          body = json::serialize(parsed);
        } else {
          n += redactor.RedactText(body);
        }
        json::value h = json::parse(headers, ec);
        if (!ec) {
          n += redactor.Redact(h);
          headers = json::serialize(h);
        }
        HUB_TRY(store::Statement * up,
                conn.Prepare("UPDATE bus_messages SET body = $1, headers = $2 WHERE seq = $3"));
        up->BindBlob(1, body).Bind(2, headers).Bind(3, seq);
        HUB_TRY_STATUS(up->Run());
        counts.values += n;
        ++counts.messages;
      } else {
        q->Reset();
      }
    }
    std::vector<std::tuple<std::string, std::string, std::string>> others;
    {
      // Every state named so that the (state, message_seq) index serves.
      HUB_TRY(store::Statement * q,
              conn.Prepare("SELECT domain, event_id, event FROM bus_work WHERE state IN "
                           "('pending', 'done', 'parked', 'dlq', 'exception') AND message_seq = "
                           "$1 AND domain <> 'identity'"));
      q->Bind(1, seq);
      HUB_TRY_STATUS(store::ForEachRow(*q, [&](const store::Statement& row) {
        others.emplace_back(row.Text(0), row.Text(1), row.Text(2));
      }));
    }
    for (auto& [domain, event_id, text] : others) {
      boost::system::error_code ec;
      json::value event = json::parse(text, ec);
      if (ec || !event.is_object()) {
        continue;
      }
      const int n = RedactEvent(event.as_object(), redactor);
      if (n == 0) {
        continue;
      }
      HUB_TRY(store::Statement * up,
              conn.Prepare("UPDATE bus_work SET event = $1 WHERE domain = $2 AND event_id = $3"));
      up->Bind(1, json::serialize(event)).Bind(2, domain).Bind(3, event_id);
      HUB_TRY_STATUS(up->Run());
      counts.values += n;
      ++counts.events;
    }
  }
  HUB_TRY_STATUS(tx.Commit());
  return counts;
}

Result<int> ScrubInboxFiles(const std::filesystem::path& inbox, const Redactor& redactor) {
  namespace fs = std::filesystem;
  int files = 0;
  std::error_code ec;
  if (inbox.empty() || !fs::is_directory(inbox, ec)) {
    return files;
  }
  for (const auto& source : fs::directory_iterator(inbox, ec)) {
    for (const char* kept : {"done", "failed"}) {
      const fs::path dir = source.path() / kept;
      if (!fs::is_directory(dir, ec)) {
        continue;
      }
      for (const auto& f : fs::directory_iterator(dir, ec)) {
        if (!f.is_regular_file()) {
          continue;
        }
        std::ifstream in(f.path(), std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
          return Fail(ErrorCode::kIo, fmt::format("cannot read {}", f.path().string()));
        }
        if (!redactor.HoldsIdentifier(text)) {
          continue;
        }
        boost::system::error_code jec;
        json::value parsed = json::parse(text, jec);
        if (!jec) {
          redactor.Redact(parsed);
          text = json::serialize(parsed);
        } else {
          redactor.RedactText(text);
        }
        // Written beside, then renamed over: never half a file.
        const fs::path tmp = f.path().string() + ".erasing";
        {
          std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
          out << text;
          if (!out.good()) {
            return Fail(ErrorCode::kIo, fmt::format("cannot write {}", tmp.string()));
          }
        }
        fs::rename(tmp, f.path(), ec);
        if (ec) {
          return Fail(ErrorCode::kIo,
                      fmt::format("cannot replace {}: {}", f.path().string(), ec.message()));
        }
        ++files;
      }
    }
  }
  return files;
}

Result<ErasureOutcome> ErasePerson(IdentityDomain& d, store::Store& store, identity::CustomerId id,
                                   std::string_view actor, const Clock& clock,
                                   const std::filesystem::path& inbox) {
  Redactor redactor;  // what identifies the person, read before it is forgotten
  const auto& state = d.resolver->state();
  if (auto c = state.clusters.find(id.value); c != state.clusters.end()) {
    for (std::uint32_t r : c->second.members) {
      redactor.AddRecord(state.records[r].raw);
    }
  }
  std::vector<std::pair<identity::RecordKey, identity::RecordKey>> renamed;
  ErasureOutcome out;
  HUB_TRY(out.events, d.resolver->Erase(id, &renamed));
  HUB_TRY_STATUS(RecordStewardAction(store, "erase", id.ToString(), "", actor, clock));
  HUB_TRY(auto conn, store.Connect());
  HUB_TRY(out.scrubbed, ScrubErasedRecords(*conn, renamed, redactor));
  HUB_TRY(out.scrubbed.files, ScrubInboxFiles(inbox, redactor));
  return out;
}

Status ApplyErasedMarker(IdentityDomain& d, const boost::json::value& marker) {
  const auto* m = marker.if_object();
  const auto* record = m != nullptr ? m->if_contains("record") : nullptr;
  const auto* decisions = m != nullptr ? m->if_contains("decisions") : nullptr;
  if (record == nullptr || !record->is_string() || decisions == nullptr || !decisions->is_array()) {
    return Fail(ErrorCode::kInvalidArgument, "malformed erasure marker", "data.hub_erased");
  }
  const std::string_view key = record->as_string();
  const auto colon = key.find(':');
  if (colon == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "erasure marker record is not source:id",
                "data.hub_erased.record");
  }
  std::vector<identity::Event> replay;
  for (const auto& v : decisions->as_array()) {
    const auto* o = v.if_object();
    if (o == nullptr) {
      continue;
    }
    auto str = [o](const char* k) -> std::string_view {
      const auto* x = o->if_contains(k);
      return x != nullptr && x->is_string() ? std::string_view(x->as_string()) : "";
    };
    auto type = EventTypeNamed(str("type"));
    if (!type) {
      continue;
    }
    replay.push_back({*type, CustomerIdFrom(str("from")), CustomerIdFrom(str("to")), {}, ""});
  }
  identity::RecordKey k{std::string(key.substr(0, colon)), std::string(key.substr(colon + 1))};
  return d.resolver->ReplayErased(k, replay);
}

}  // namespace hub::app
