#include "app/test_source.h"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace hub::app {
namespace {

class TestConnector final : public Connector {
 public:
  std::string_view name() const override { return "test"; }
  Status Verify(const Delivery& d, const Secrets& secrets, const Clock&) const override {
    auto sig = d.Header("X-Test-Signature");
    if (!sig) {
      return Fail(ErrorCode::kUnauthenticated, "missing X-Test-Signature header",
                  "X-Test-Signature");
    }
    for (const auto& s : secrets.active) {
      if (ConstantTimeEquals(HexEncode(HmacSha256(s, d.body)), *sig)) {
        return Ok();
      }
    }
    return Fail(ErrorCode::kUnauthenticated, "X-Test-Signature does not match the body",
                "X-Test-Signature");
  }
  Result<std::string> DedupKey(const Delivery& d) const override {
    auto id = d.Header("X-Test-Id");
    if (!id || id->empty()) {
      return Fail(ErrorCode::kInvalidArgument, "missing X-Test-Id header", "X-Test-Id");
    }
    return std::string(*id);
  }
  Result<std::string> Topic(const Delivery&) const override { return std::string("step"); }
  Result<std::vector<Event>> Translate(const Delivery& d) const override {
    boost::system::error_code ec;
    auto v = boost::json::parse(d.body, ec);
    if (ec || !v.is_object()) {
      return Fail(ErrorCode::kParse, "body is not a JSON object", "$");
    }
    const auto& o = v.as_object();
    if (!o.contains("key") || !o.at("key").is_string()) {
      return Fail(ErrorCode::kInvalidArgument, "missing required field $.key", "$.key");
    }
    if (!o.contains("n") || !o.at("n").is_int64()) {
      return Fail(ErrorCode::kInvalidArgument, "missing required integer $.n", "$.n");
    }
    HUB_TRY(std::string dedup, DedupKey(d));
    Event e;
    e.type = "test.step";
    e.event_id = DeriveEventId("test", d.account, dedup, 0);
    e.key = std::string(o.at("key").as_string());
    e.correlation_id = DeriveCorrelationId("test", d.account, dedup);
    e.occurred_at = d.received_at;
    e.source = {"test", d.account, dedup};
    e.data = std::move(v.as_object());  // o refers into v: last use
    // Not a braced list: its elements are const and would be copied.
    std::vector<Event> out;
    out.push_back(std::move(e));
    return out;
  }
};

class TestHandler final : public bus::Handler {
 public:
  std::string_view domain() const override { return "test"; }
  bool Wants(const Event& e) const override { return e.type == "test.step"; }
  Status Apply(const Event& e, const bus::RawMessage& m, store::Connection& tx) override {
    // {"mode":"transient"} simulates a downstream that keeps failing (503),
    // so tests can hold work in the queue (backpressure, retries).
    if (auto it = e.data.find("mode");
        it != e.data.end() && it->value().is_string() && it->value().as_string() == "transient") {
      return Fail(ErrorCode::kUnavailable, "test downstream unavailable");
    }
    const std::int64_t n = e.data.at("n").as_int64();
    HUB_TRY(store::Statement * q,
            tx.Prepare("SELECT COALESCE(MAX(n), 0) FROM test_applied WHERE key = $1"));
    q->Bind(1, e.key);
    HUB_TRY(bool row, q->Step());
    const std::int64_t last = row ? q->Int(0) : 0;
    q->Reset();
    // No shortcut for n <= last: a second application is recorded as a
    // second row, so the crash test can see any double apply by the bus.
    if (n > last + 1) {
      return Fail(ErrorCode::kFailedPrecondition,
                  fmt::format("step {} of {} waits for step {}", n, e.key, last + 1),
                  "predecessor");
    }
    HUB_TRY(store::Statement * ins,
            tx.Prepare("INSERT INTO test_applied (key, n, message_id) VALUES ($1, $2, $3)"));
    ins->Bind(1, e.key).Bind(2, n).Bind(3, m.id);
    HUB_TRY_STATUS(ins->Run());
    return Ok();
  }
};

}  // namespace

std::unique_ptr<Connector> MakeTestConnector() { return std::make_unique<TestConnector>(); }
std::unique_ptr<bus::Handler> MakeTestHandler() { return std::make_unique<TestHandler>(); }

}  // namespace hub::app
