// Idempotency-Key storage (see idempotency.h).
#include "api/v1/idempotency.h"

#include <boost/json.hpp>

#include "core/json.h"

namespace hub::api::v1 {
namespace {

constexpr int kInProgress = 0;  // status of a reserved key whose answer is not stored yet

std::string HeadersJson(const HeaderList& headers) {
  boost::json::array a;
  for (const auto& [k, v] : headers) {
    a.push_back(boost::json::array{boost::json::string(k), boost::json::string(v)});
  }
  return boost::json::serialize(a);
}

HeaderList HeadersFromJson(const std::string& text) {
  HeaderList out;
  auto v = ParseJson(text);
  if (!v || !v->is_array()) {
    return out;
  }
  for (const auto& e : v->get_array()) {
    if (e.is_array() && e.get_array().size() == 2 && e.get_array()[0].is_string() &&
        e.get_array()[1].is_string()) {
      out.emplace_back(std::string(e.get_array()[0].get_string()),
                       std::string(e.get_array()[1].get_string()));
    }
  }
  return out;
}

}  // namespace

Result<Idempotency::Outcome> Idempotency::Begin(const std::string& key_id,
                                                const std::string& idem_key,
                                                const std::string& request_hash) {
  Outcome out;
  HUB_TRY_STATUS(db_.Run([&](store::Connection& c) -> Status {
    HUB_TRY(store::Statement * ins,
            c.Prepare("INSERT INTO api_idempotency (key_id, idem_key, request_hash, status, "
                      "content_type, headers, body, created_at) VALUES ($1, $2, $3, $4, '', "
                      "'[]', '', $5) ON CONFLICT DO NOTHING"));
    ins->Bind(1, key_id)
        .Bind(2, idem_key)
        .Bind(3, request_hash)
        .Bind(4, std::int64_t{kInProgress})
        .Bind(5, clock_.Now().micros);
    HUB_TRY(std::int64_t inserted, ins->Run());
    if (inserted == 1) {
      return Ok();
    }
    HUB_TRY(store::Statement * sel,
            c.Prepare("SELECT request_hash, status, content_type, headers, body FROM "
                      "api_idempotency WHERE key_id = $1 AND idem_key = $2"));
    sel->Bind(1, key_id).Bind(2, idem_key);
    HUB_TRY(bool row, sel->Step());
    if (!row) {
      return Fail(ErrorCode::kUnavailable, "idempotency key released concurrently; retry");
    }
    if (sel->Text(0) != request_hash) {
      out.state = State::kMismatch;
    } else if (sel->Int(1) == kInProgress) {
      out.state = State::kInProgress;
    } else {
      out.state = State::kReplay;
      out.replay.status = static_cast<int>(sel->Int(1));
      out.replay.content_type = sel->Text(2);
      out.replay.headers = HeadersFromJson(sel->Text(3));
      out.replay.body = sel->Text(4);
    }
    return Ok();
  }));
  return out;
}

Status Idempotency::Finish(const std::string& key_id, const std::string& idem_key,
                           const HttpResponse& response) {
  return db_.Run([&](store::Connection& c) -> Status {
    if (response.status < 200 || response.status > 299) {
      HUB_TRY(store::Statement * del,
              c.Prepare("DELETE FROM api_idempotency WHERE key_id = $1 AND idem_key = $2"));
      del->Bind(1, key_id).Bind(2, idem_key);
      HUB_TRY_STATUS(del->Run());
      return Ok();
    }
    HUB_TRY(store::Statement * upd,
            c.Prepare("UPDATE api_idempotency SET status = $1, content_type = $2, headers = $3, "
                      "body = $4 WHERE key_id = $5 AND idem_key = $6"));
    upd->Bind(1, std::int64_t{response.status})
        .Bind(2, response.content_type)
        .Bind(3, HeadersJson(response.headers))
        .Bind(4, response.body)
        .Bind(5, key_id)
        .Bind(6, idem_key);
    HUB_TRY_STATUS(upd->Run());
    return Ok();
  });
}

}  // namespace hub::api::v1
