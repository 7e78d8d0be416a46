// Test base for app tests that play the bus's part themselves: a SQLite
// store in a temporary directory with the bus's tables (and the domains'
// when asked), one connection, and the row the bus writes when a domain has
// applied an event. Test-only; included by *_test.cc files.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string_view>

#include "app/domains.h"
#include "bus/bus.h"
#include "core/model_json.h"
#include "store/store.h"
#include "testing/testing.h"

namespace hub::app {

class StoreTestBase : public ::testing::Test {
 protected:
  void OpenStore(bool with_domains) {
    auto s = store::OpenSqliteStore({.path = (dir_.path() / "hub.db").string()});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->Migrate(bus::Operations::Migrations()));
    if (with_domains) {
      ASSERT_TRUE(store_->Migrate(DomainMigrations()));
    }
    auto c = store_->Connect();
    ASSERT_TRUE(c);
    conn_ = std::move(*c);
  }

  // `e`, applied by `domain` from message `seq`, as the bus records it.
  void InsertDoneWork(std::string_view domain, const Event& e, std::int64_t seq) {
    auto q = conn_->Prepare(
        "INSERT INTO bus_work (domain, event_id, message_seq, idx, key, event, state, attempts, "
        "next_at, park_deadline, attempt_log) VALUES ($1, $2, $3, 0, $4, $5, 'done', 1, 0, 0, "
        "'[]')");
    ASSERT_TRUE(q);
    (*q)->Bind(1, domain).Bind(2, e.event_id).Bind(3, seq).Bind(4, e.key).Bind(5, EventToJson(e));
    ASSERT_TRUE((*q)->Run());
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Connection> conn_;
};

}  // namespace hub::app
