// Idempotency-Key for API v1 POSTs: the first request with a key reserves
// it, a 2xx answer is stored (table api_idempotency, per API key), and a
// repeat with the same key replays it when the request is the same (method,
// path, body hash) or is refused (422) when it differs. A non-2xx answer
// releases the key so that a corrected retry may reuse it.
// Thread-safety: thread-safe (through SerialDb).
#pragma once

#include <string>

#include "api/http.h"
#include "api/v1/auth.h"
#include "core/result.h"
#include "core/time.h"

namespace hub::api::v1 {

class Idempotency {
 public:
  Idempotency(SerialDb& db, const Clock& clock) : db_(db), clock_(clock) {}

  enum class State { kFresh, kReplay, kMismatch, kInProgress };
  struct Outcome {
    State state = State::kFresh;
    HttpResponse replay;  // the stored answer, when kReplay
  };

  // Reserves (key_id, idem_key) for `request_hash`, or reports what is stored.
  Result<Outcome> Begin(const std::string& key_id, const std::string& idem_key,
                        const std::string& request_hash);
  // Stores the answer of a reserved key (2xx), or releases the reservation.
  Status Finish(const std::string& key_id, const std::string& idem_key,
                const HttpResponse& response);

 private:
  SerialDb& db_;
  const Clock& clock_;
};

}  // namespace hub::api::v1
