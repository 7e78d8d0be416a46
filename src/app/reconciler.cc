#include "app/reconciler.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "obs/log.h"
#include "obs/metrics.h"

namespace hub::app {
namespace {

obs::Registry& R() { return obs::Registry::Default(); }

class ReconcileHandler final : public bus::Handler {
 public:
  explicit ReconcileHandler(Reconciler& r) : r_(r) {}
  std::string_view domain() const override { return "reconcile"; }
  bool finance() const override { return true; }
  bool Wants(const Event& e) const override {
    const std::string& t = e.type;
    return t == "tender.captured" || t == "refund.created" || t.starts_with("dispute.") ||
           t == "payout.paid" || t == "bank.transaction";
  }
  Status Apply(const Event&, const bus::RawMessage&, store::Connection&) override {
    // The applied work row is the record RunReconciliation reads.
    return Ok();
  }
  void OnCommitted(const Event&) override { r_.Notify(); }

 private:
  Reconciler& r_;
};

}  // namespace

Reconciler::Reconciler(store::Store& store, reconcile::ReconcileConfig config, const Clock& clock,
                       ReconcilerOptions options)
    : store_(store), config_(std::move(config)), clock_(clock), options_(options) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::Start() {
  std::lock_guard l(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  dirty_ = true;  // reconcile what is already there
  thread_ = std::thread([this] { Loop(); });
}

void Reconciler::Stop() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Reconciler::Notify() {
  signals_.fetch_add(1);
  {
    std::lock_guard l(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

void Reconciler::Loop() {
  using std::chrono::milliseconds;
  std::unique_lock l(mu_);
  while (!stop_) {
    const bool signalled =
        cv_.wait_for(l, milliseconds(options_.interval_ms), [this] { return stop_ || dirty_; });
    if (stop_) {
      break;
    }
    if (signalled) {
      // Let the rest of a burst arrive; each new signal restarts the wait.
      do {
        dirty_ = false;
        cv_.wait_for(l, milliseconds(options_.debounce_ms), [this] { return stop_ || dirty_; });
      } while (dirty_ && !stop_);
      if (stop_) {
        break;
      }
    }
    l.unlock();
    if (auto r = RunNow(); !r) {
      obs::Warn("reconcile.run_failed", "", {{"error", r.error().ToString()}});
    }
    l.lock();
  }
}

Result<std::shared_ptr<const ReconRun>> Reconciler::RunNow() {
  std::lock_guard run_lock(run_mu_);
  // Signals after this point may not be in this run's read: the next run takes them.
  const std::int64_t signals_seen = signals_.load();
  const auto t0 = std::chrono::steady_clock::now();
  HUB_TRY(ReconRun run, RunReconciliation(store_, config_, clock_));
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  R().GetHistogram("retailhub_reconcile_run_seconds", "Duration of one reconciliation run")
      .ObserveMicros(us);
  auto shared = std::make_shared<const ReconRun>(std::move(run));
  {
    std::lock_guard l(mu_);
    latest_ = shared;
    latest_signals_ = signals_seen;
  }
  runs_.fetch_add(1);
  if (shared->new_exceptions > 0) {
    obs::Info("reconcile.exceptions_raised", "",
              {{"new", std::to_string(shared->new_exceptions)},
               {"payouts", std::to_string(shared->payouts.size())}});
  }
  return shared;
}

Result<std::shared_ptr<const ReconRun>> Reconciler::Latest() {
  {
    std::lock_guard l(mu_);
    if (latest_ && latest_signals_ == signals_.load()) {
      return latest_;
    }
  }
  // Something was committed since the latest run: a reader must not see a
  // payout as missing that the hub has already applied. Runs coalesce on
  // run_mu_; a run that finished meanwhile may already be fresh.
  std::unique_lock run_lock(run_mu_);
  {
    std::lock_guard l(mu_);
    if (latest_ && latest_signals_ == signals_.load()) {
      return latest_;
    }
  }
  run_lock.unlock();
  return RunNow();
}

std::unique_ptr<bus::Handler> MakeReconcileHandler(Reconciler& reconciler) {
  return std::make_unique<ReconcileHandler>(reconciler);
}

Result<reconcile::ReconcileConfig> LoadReconcileConfig() {
  std::string file;
  if (const char* env = std::getenv("RETAILHUB_RECONCILE_FILE"); env != nullptr && *env != 0) {
    file = env;
  } else if (std::filesystem::exists("config/reconcile.toml")) {
    file = "config/reconcile.toml";
  } else {
    return reconcile::ReconcileConfig::Defaults();
  }
  std::ifstream in(file);
  if (!in) {
    return Fail(ErrorCode::kIo, fmt::format("cannot read {}", file), "RETAILHUB_RECONCILE_FILE");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return reconcile::ReconcileConfig::Parse(ss.str(), file);
}

}  // namespace hub::app
