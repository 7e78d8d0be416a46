#include "app/file_ingest.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/ids.h"
#include "obs/log.h"

namespace hub::app {

Result<Delivery> ReadDelivery(const std::filesystem::path& file, const std::string& source,
                              const std::string& account, const std::string& topic,
                              const Clock& clock) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kIo, fmt::format("cannot read {}", file.string()), "file");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  Delivery d;
  d.source = source;
  d.account = account;
  d.topic = topic;
  d.body = ss.str();
  d.received_at = clock.Now();
  d.headers.emplace_back("X-RetailHub-File", file.filename().string());
  return d;
}

Result<FileIngestResult> IngestFile(const AppendFn& append, const Connector& connector,
                                    const std::filesystem::path& file, const std::string& account,
                                    const std::string& topic, const Clock& clock) {
  HUB_TRY(Delivery d, ReadDelivery(file, connector.name().data(), account, topic, clock));
  d.source = std::string(connector.name());
  std::string dedup;
  if (auto k = connector.DedupKey(d); k && !k->empty()) {
    dedup = *k;
  } else {
    dedup = "sha256:" + Sha256Hex(d.body);
  }
  std::string resolved_topic = topic;
  if (resolved_topic.empty()) {
    auto t = connector.Topic(d);
    if (!t) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("cannot tell the topic of {}: {}; pass --topic", file.string(),
                              t.error().message),
                  "--topic");
    }
    resolved_topic = *t;
  }
  d.topic = resolved_topic;
  FileIngestResult out;
  if (auto ev = connector.Translate(d); !ev) {
    out.quarantined =
        ev.error().code == ErrorCode::kParse || ev.error().code == ErrorCode::kInvalidArgument;
    out.note = ev.error().ToString();
  } else {
    out.note = fmt::format("{} event{}", ev->size(), ev->size() == 1 ? "" : "s");
  }
  bus::RawMessage m;
  m.source = d.source;
  m.account = account;
  m.topic = resolved_topic;
  m.dedup_key = dedup;
  m.received_at = d.received_at;
  m.headers = d.headers;
  m.body = d.body;
  m.correlation_id = NewId("cor");
  HUB_TRY(bus::IngestResult r, append(std::move(m)));
  out.message_id = r.message_id;
  out.duplicate = r.duplicate;
  return out;
}

int SweepDropFolder(const AppendFn& append, const ConnectorRegistry& registry,
                    const std::filesystem::path& data_dir, const Clock& clock,
                    std::chrono::milliseconds settle) {
  namespace fs = std::filesystem;
  const fs::path root = data_dir / "inbox";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return 0;
  }
  int handled = 0;
  for (const auto& src_dir : fs::directory_iterator(root, ec)) {
    if (!src_dir.is_directory()) {
      continue;
    }
    const std::string source = src_dir.path().filename().string();
    const Connector* c = registry.Find(source);
    if (c == nullptr) {
      continue;
    }
    for (const auto& f : fs::directory_iterator(src_dir.path(), ec)) {
      if (!f.is_regular_file() || f.path().filename().string().starts_with(".")) {
        continue;
      }
      if (settle.count() > 0) {
        std::error_code mec;
        const auto mtime = fs::last_write_time(f.path(), mec);
        if (mec || fs::file_time_type::clock::now() - mtime < settle) {
          continue;  // still being written, or just finished: next sweep
        }
      }
      auto r = IngestFile(append, *c, f.path(), "files", "", clock);
      if (!r && r.error().transient()) {
        obs::Warn("inbox.file", "",
                  {{"source", source},
                   {"file", f.path().filename().string()},
                   {"outcome", "retry next sweep"},
                   {"error", r.error().ToString()}});
        continue;
      }
      const fs::path dest = src_dir.path() / (r && !r->quarantined ? "done" : "failed");
      fs::create_directories(dest, ec);
      fs::rename(f.path(), dest / f.path().filename(), ec);
      if (!r || r->quarantined) {
        std::ofstream note(dest / (f.path().filename().string() + ".error"));
        note << (r ? r->note : r.error().ToString()) << "\n";
      }
      obs::Info("inbox.file", "",
                {{"source", source},
                 {"file", f.path().filename().string()},
                 {"outcome", r ? (r->duplicate ? "duplicate" : "stored") : "failed"}});
      ++handled;
    }
  }
  return handled;
}

}  // namespace hub::app
