// Files into the inbox: the `ingest` command and the drop folder
// var/inbox/<source>/ share this. A file is trusted (an operator or a
// scheduled export put it there), so no signature; its dedup key is the
// connector's own (event id) when the payload carries one, else a SHA-256
// of the content, so the same file dropped twice is stored once.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "bus/bus.h"
#include "connectors/connector.h"

namespace hub::app {

struct FileIngestResult {
  std::string message_id;
  bool duplicate = false;
  bool quarantined = false;  // stored, but the translate stage will refuse it
  std::string note;
};

Result<Delivery> ReadDelivery(const std::filesystem::path& file, const std::string& source,
                              const std::string& account, const std::string& topic,
                              const Clock& clock);

// Stores one message in the inbox: the running hub's bus (its group
// committer, which holds the latest dedup keys), or bus::Operations::Append
// for the `ingest` command in a process of its own.
using AppendFn = std::function<Result<bus::IngestResult>(bus::RawMessage)>;

Result<FileIngestResult> IngestFile(const AppendFn& append, const Connector& connector,
                                    const std::filesystem::path& file, const std::string& account,
                                    const std::string& topic, const Clock& clock);

// Moves every file found in <data>/inbox/<source>/ into the inbox, then to
// done/ (or failed/ with a .error note). Returns how many were handled.
// Names starting with '.' are skipped (write there, then rename), and so are
// files modified less than `settle` ago: an exporter still writing one must
// not have half a file ingested. A transient refusal (backpressure, a busy
// store) leaves the file where it is for the next sweep.
int SweepDropFolder(const AppendFn& append, const ConnectorRegistry& registry,
                    const std::filesystem::path& data_dir, const Clock& clock,
                    std::chrono::milliseconds settle = std::chrono::milliseconds(0));

}  // namespace hub::app
