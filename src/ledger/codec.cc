// Postings blob encoding (format in codec_internal.h) and the entry row reader.
#include <fmt/format.h>

#include "ledger/codec_internal.h"

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
  bool AtEnd() const { return pos_ == b_.size(); }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

Error Corrupt(std::string_view why) {
  return Error(ErrorCode::kInternal, fmt::format("ledger entry body is corrupt: {}", why));
}

}  // namespace

void EncodeBody(const EntryDraft& d, std::string& out) {
  out.clear();
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
    const auto m = static_cast<std::uint64_t>(p.amount.minor_units());
    PutVarint((m << 1) ^ (p.amount.minor_units() < 0 ? ~std::uint64_t{0} : 0), out);
    PutString(p.dims.order_id, out);
    PutString(p.dims.channel, out);
    PutString(p.dims.location, out);
    PutString(p.dims.gateway, out);
    PutString(p.dims.customer, out);
    PutString(p.dims.payout, out);
    PutString(p.memo, out);
  }
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
    const std::uint64_t z = r.Varint();
    const auto minor = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
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

Result<StoredEntry> ReadEntryRow(const store::Statement& row) {
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
