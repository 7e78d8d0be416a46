// Entry body and segment encodings (formats in codec_internal.h).
#include <fmt/format.h>

#include <limits>

#include "ledger/codec_internal.h"
#include "ledger/engine.h"

namespace hub::ledger::internal {
namespace {

void PutVarint(std::uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutString(std::string_view s, std::string& out) {
  PutVarint(s.size(), out);
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool ok() const { return ok_; }
  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= b_.size()) {
        break;
      }
      const auto c = static_cast<std::uint8_t>(b_[pos_++]);
      v |= static_cast<std::uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) {
        return v;
      }
    }
    ok_ = false;
    return 0;
  }
  std::string String() {
    const std::uint64_t n = Varint();
    if (!ok_ || n > b_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::uint8_t Byte() {
    if (pos_ >= b_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<std::uint8_t>(b_[pos_++]);
  }
  std::int64_t Zigzag() {
    const std::uint64_t z = Varint();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  bool Skip(std::uint64_t n) {
    if (n > b_.size() - pos_) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == b_.size(); }
  std::size_t pos() const { return pos_; }
  std::string_view Rest() const { return b_.substr(pos_); }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

Error Corrupt(std::string_view why) {
  return Error(ErrorCode::kInternal, fmt::format("ledger entry body is corrupt: {}", why));
}

void PutZigzag(std::int64_t v, std::string& out) {
  const auto m = static_cast<std::uint64_t>(v);
  PutVarint((m << 1) ^ (v < 0 ? ~std::uint64_t{0} : 0), out);
}

void AppendBody(const EntryDraft& d, std::string& out) {
  out.push_back(static_cast<char>(kPostingsFormatV1));
  PutString(d.event_type, out);
  PutString(d.description, out);
  PutString(d.source_system, out);
  PutString(d.source_id, out);
  PutString(d.message_id, out);
  PutVarint(d.postings.size(), out);
  for (const Posting& p : d.postings) {
    PutString(p.account, out);
    PutString(p.amount.currency().code(), out);
    PutZigzag(p.amount.minor_units(), out);
    PutString(p.dims.order_id, out);
    PutString(p.dims.channel, out);
    PutString(p.dims.location, out);
    PutString(p.dims.gateway, out);
    PutString(p.dims.customer, out);
    PutString(p.dims.payout, out);
    PutString(p.memo, out);
  }
}

}  // namespace

void EncodeBody(const EntryDraft& d, std::string& out) {
  out.clear();
  AppendBody(d, out);
}

Status DecodeBody(std::string_view blob, EntryDraft& d) {
  Reader r(blob);
  if (const std::uint8_t v = r.Byte(); v != kPostingsFormatV1) {
    return Fail(Corrupt(fmt::format("unknown format version {}", v)));
  }
  d.event_type = r.String();
  d.description = r.String();
  d.source_system = r.String();
  d.source_id = r.String();
  d.message_id = r.String();
  const std::uint64_t n = r.Varint();
  if (!r.ok() || n > blob.size()) {
    return Fail(Corrupt("bad posting count"));
  }
  std::vector<Posting> out(n);
  for (Posting& p : out) {
    p.account = r.String();
    const std::string code = r.String();
    const std::int64_t minor = r.Zigzag();
    p.dims.order_id = r.String();
    p.dims.channel = r.String();
    p.dims.location = r.String();
    p.dims.gateway = r.String();
    p.dims.customer = r.String();
    p.dims.payout = r.String();
    p.memo = r.String();
    if (!r.ok()) {
      return Fail(Corrupt("truncated"));
    }
    auto currency = Currency::FromCode(code);
    if (!currency) {
      return Fail(Corrupt(fmt::format("unknown currency \"{}\"", code)));
    }
    p.amount = Money(minor, *currency);
  }
  if (!r.AtEnd()) {
    return Fail(Corrupt("trailing bytes"));
  }
  d.postings = std::move(out);
  return Ok();
}

void BeginSegment(std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kSegmentFormatV1));
}

void AppendSegmentEntry(const EntryDraft& d, std::string& segment, std::string& scratch) {
  scratch.clear();
  PutString(d.idempotency_key, scratch);
  PutZigzag(d.effective_at.micros, scratch);
  PutString(d.correlation_id, scratch);
  std::uint64_t reverses = 0;
  if (!d.reverses_entry_id.empty()) {
    reverses = static_cast<std::uint64_t>(*ParseEntryId(d.reverses_entry_id));  // validated
  }
  PutVarint(reverses, scratch);
  AppendBody(d, scratch);
  PutVarint(scratch.size(), segment);
  segment.append(scratch);
}

Status SplitSegment(std::string_view blob, std::vector<RecordSpan>& records) {
  records.clear();
  Reader r(blob);
  if (const std::uint8_t v = r.Byte(); v != kSegmentFormatV1) {
    return Fail(Corrupt(fmt::format("unknown segment format version {}", v)));
  }
  while (!r.AtEnd()) {
    const std::uint64_t n = r.Varint();
    if (!r.ok() || n == 0 || n > blob.size() - r.pos()) {
      return Fail(Corrupt("truncated segment"));
    }
    records.emplace_back(static_cast<std::uint32_t>(r.pos()), static_cast<std::uint32_t>(n));
    (void)r.Skip(n);
  }
  return Ok();
}

Status DecodeSegmentEntry(std::string_view record, EntryDraft& d) {
  Reader r(record);
  d.idempotency_key = r.String();
  d.effective_at = Instant{r.Zigzag()};
  d.correlation_id = r.String();
  const std::uint64_t reverses = r.Varint();
  if (!r.ok() || reverses > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Fail(Corrupt("truncated entry header"));
  }
  d.reverses_entry_id = reverses == 0 ? std::string() : std::to_string(reverses);
  // Only an id the engine accepts (at most 18 digits) encodes back.
  if (reverses != 0 && !ParseEntryId(d.reverses_entry_id)) {
    return Fail(Corrupt(fmt::format("reversed entry id {} is out of range", reverses)));
  }
  return DecodeBody(r.Rest(), d);
}

Status ScanEntries(store::Connection& conn,
                   const std::function<Status(std::int64_t, EntryDraft&)>& fn,
                   std::int64_t from_id) {
  HUB_TRY(store::Statement * q,
          conn.Prepare("SELECT first_id, last_id, body FROM ledger_segments WHERE first_id >= $1 "
                       "ORDER BY first_id"));
  q->Bind(1, from_id);
  std::vector<RecordSpan> records;
  EntryDraft d;
  std::int64_t expected = from_id;
  return store::ForEachRow(*q, [&](const store::Statement& row) -> Status {
    const std::int64_t first = row.Int(0);
    const std::int64_t last = row.Int(1);
    const std::string blob = row.Text(2);
    auto fail = [&](Error e) {
      e.message += fmt::format(" (segment of entries {}..{})", first, last);
      return Fail(std::move(e));
    };
    if (auto split = SplitSegment(blob, records); !split) {
      return fail(split.error());
    }
    if (first != expected || last - first + 1 != static_cast<std::int64_t>(records.size())) {
      return fail(Corrupt(fmt::format("expected entry {} next and {} records, found {}", expected,
                                      last - first + 1, records.size())));
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      const std::int64_t id = first + static_cast<std::int64_t>(i);
      const std::string_view rec(blob.data() + records[i].first, records[i].second);
      if (auto dec = DecodeSegmentEntry(rec, d); !dec) {
        Error e = dec.error();
        e.message += fmt::format(" (entry {})", id);
        return Fail(std::move(e));
      }
      HUB_TRY_STATUS(fn(id, d));
    }
    expected = last + 1;
    return Ok();
  });
}

Result<StoredEntry> ReadLegacyEntryRow(const store::Statement& row) {
  StoredEntry e;
  e.id = row.Int(0);
  EntryDraft& d = e.draft;
  d.idempotency_key = row.Text(1);
  d.effective_at = Instant{row.Int(2)};
  d.correlation_id = row.Text(3);
  if (!row.IsNull(4)) {
    d.reverses_entry_id = std::to_string(row.Int(4));
  }
  if (auto body = DecodeBody(row.Text(5), d); !body) {
    Error err = body.error();
    err.message += fmt::format(" (entry {})", e.id);
    return Fail(std::move(err));
  }
  return e;
}

}  // namespace hub::ledger::internal
