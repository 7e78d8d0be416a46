// The "test" source: a tiny signed protocol used by the crash test and the
// ingest benchmark to drive the real HTTP → inbox → bus path. Enabled only
// when the config declares [sources.test.accounts.<name>].
//   X-Test-Signature: hex HMAC-SHA256 of the raw body with the account secret
//   X-Test-Id:        the dedup key
//   body:             {"key":"k1","n":3}  (n: the step's business sequence;
//                     "mode":"transient" makes its handler fail with 503)
// Its domain handler ("test") applies step n of a key only after step n-1,
// recording (key, n) in test_applied within the bus transaction.
#pragma once

#include <memory>

#include "bus/bus.h"
#include "connectors/connector.h"

namespace hub::app {

std::unique_ptr<Connector> MakeTestConnector();
std::unique_ptr<bus::Handler> MakeTestHandler();

}  // namespace hub::app
