// Reconciler: keeps reconciliation current while the hub runs. The
// reconcile domain's handler (MakeReconcileHandler) signals each committed
// tender, refund, dispute, payout and bank line; the reconciler re-runs the
// matcher shortly after (debounced, so a burst of lines costs one run) and
// on a fixed interval besides, because aging ("tender not settled after N
// days") changes with time alone. Readers (API, dashboard, /metrics) get the
// latest run without re-running it. Thread-safety: every public method may be
// called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "app/recon.h"
#include "bus/bus.h"
#include "core/time.h"
#include "reconcile/config.h"
#include "store/store.h"

namespace hub::app {

struct ReconcilerOptions {
  // Quiet time after a signal before running: lines of one statement arrive
  // together and are reconciled together.
  std::int64_t debounce_ms = 250;
  // A run at least this often even without new lines (aging moves on).
  std::int64_t interval_ms = 5 * 60 * 1000;
};

class Reconciler {
 public:
  Reconciler(store::Store& store, reconcile::ReconcileConfig config, const Clock& clock,
             ReconcilerOptions options = {});
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void Start();
  void Stop();
  // Something reconciliation reads has been committed.
  void Notify();
  // The latest run when nothing was committed since it started; otherwise
  // (or when there is none yet, as before Start) runs one now.
  Result<std::shared_ptr<const ReconRun>> Latest();
  // Runs now, whatever the schedule (used by `reconcile run` and tests).
  Result<std::shared_ptr<const ReconRun>> RunNow();
  // Completed runs since start (tests wait on it).
  std::int64_t runs() const { return runs_.load(); }
  // Signals received since start.
  std::int64_t signals() const { return signals_.load(); }
  const reconcile::ReconcileConfig& config() const { return config_; }

 private:
  void Loop();

  store::Store& store_;
  const reconcile::ReconcileConfig config_;
  const Clock& clock_;
  const ReconcilerOptions options_;
  std::mutex run_mu_;  // one run at a time
  std::mutex mu_;      // guards latest_, dirty_, stop_
  std::condition_variable cv_;
  std::shared_ptr<const ReconRun> latest_;
  std::int64_t latest_signals_ = -1;  // signals_ when latest_ started
  bool dirty_ = false;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<std::int64_t> runs_{0};
  std::atomic<std::int64_t> signals_{0};
};

// The reconcile domain on the bus: it wants what reconciliation reads
// (tender.captured, refund.created, dispute.*, payout.paid, bank.transaction)
// and has no effect but the applied work row, which is the log
// RunReconciliation reads; on commit it signals the reconciler. Running
// apart from the ledger domain, a flood of orders does not delay it.
std::unique_ptr<bus::Handler> MakeReconcileHandler(Reconciler& reconciler);

// [reconcile] configuration: $RETAILHUB_RECONCILE_FILE, else
// config/reconcile.toml under the working directory, else the defaults.
Result<reconcile::ReconcileConfig> LoadReconcileConfig();

}  // namespace hub::app
