// The REST API's ReadModel over a running Hub: bus operations, the journal
// and order book, the resolver, inventory and the reconciliation queue.
// Thread-safe: each domain is read under its own mutex; bus operations use
// a connection of their own under a mutex.
#pragma once

#include <memory>
#include <mutex>

#include "api/v1/read_model.h"

namespace hub::app {

class Hub;

std::unique_ptr<api::v1::ReadModel> MakeHubReadModel(Hub& hub);

}  // namespace hub::app
