#include "configcenter/config_center.h"

#include <algorithm>
#include <utility>

#include "auth/permission.h"
#include "base/logging.h"
#include "fmt/format.h"

namespace aio::configcenter {

using nlohmann::json;

namespace {

constexpr size_t kImportBatch = 60;  // 2 puts per item, under etcd's --max-txn-ops 128
constexpr std::string_view kExportFormat = "aio-config/v1";

std::string ItemKey(std::string_view env, std::string_view key) {
  return fmt::format("{}{}/{}", kItemsPrefix, env, key);
}
std::string HistoryPrefix(std::string_view env, std::string_view key) {
  return fmt::format("{}{}/{}/", kHistoryPrefix, env, key);
}
std::string HistoryKey(std::string_view env, std::string_view key, int64_t version) {
  return fmt::format("{}{:020d}", HistoryPrefix(env, key), version);
}

std::string Record(const ConfigItem& item) {
  json record = ItemToJson(item);
  record.erase("revision");
  return record.dump();
}

absl::StatusOr<ConfigItem> Parse(const store::KeyValue& kv) {
  json record = json::parse(kv.value, nullptr, false);
  absl::StatusOr<ConfigItem> item = ItemFromJson(record);
  if (!item.ok()) {
    return absl::DataLossError(
        fmt::format("damaged config record {}: {}", kv.key, std::string(item.status().message())));
  }
  item->revision = kv.mod_revision;
  return item;
}

std::string NotFoundText(std::string_view env, std::string_view key) {
  if (env == kDefaultEnv) {
    return fmt::format("config \"{}\" not found in environment \"{}\"", key, env);
  }
  return fmt::format("config \"{}\" not found in environment \"{}\" or \"{}\"", key, env,
                     kDefaultEnv);
}

absl::Status ValidateName(std::string_view env, std::string_view key) {
  if (absl::Status status = ValidateEnv(env); !status.ok()) return status;
  return ValidateKey(key);
}

store::RequestOp PutOp(std::string key, std::string value) {
  return {store::PutRequest{.key = std::move(key), .value = std::move(value)}};
}

bool SameContent(const ConfigItem& a, const ConfigItem& b) {
  return a.type == b.type && a.value == b.value && a.description == b.description &&
         a.metadata == b.metadata;
}

absl::StatusOr<std::string> StringField(const json& entry, const char* name, bool required) {
  auto it = entry.find(name);
  if (it == entry.end() || it->is_null()) {
    if (required) return absl::InvalidArgumentError(fmt::format("\"{}\" is missing", name));
    return std::string();
  }
  if (!it->is_string())
    return absl::InvalidArgumentError(fmt::format("\"{}\" must be a string", name));
  return it->get<std::string>();
}

}  // namespace

struct ConfigCenter::Waiter {
  WatchFilter filter;
  int64_t after_revision = 0;
  std::chrono::steady_clock::time_point deadline;
  std::function<void(absl::StatusOr<PollResult>)> done;
};

// Delivery to a subscriber happens under its own mutex, so after Unsubscribe() returns its
// callback never runs again.
struct ConfigCenter::Subscriber {
  WatchFilter filter;
  int64_t after_revision = 0;  // the store revision at Subscribe(): later changes only
  std::mutex mu;
  bool active = true;  // guarded by mu
  std::function<void(const ConfigChange&)> on_change;
};

namespace {

bool Matches(const WatchFilter& filter, const ConfigChange& change) {
  return (change.env == filter.env || change.env == kDefaultEnv) &&
         std::find(filter.keys.begin(), filter.keys.end(), change.key) != filter.keys.end();
}

absl::Status ValidateFilter(const WatchFilter& filter) {
  if (absl::Status status = ValidateEnv(filter.env); !status.ok()) return status;
  if (filter.keys.empty()) {
    return absl::InvalidArgumentError("keys is required: a comma-separated list of config keys");
  }
  for (const std::string& key : filter.keys) {
    if (absl::Status status = ValidateKey(key); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

ConfigCenter::ConfigCenter(store::KvStore* store, auth::AuthService* auth,
                           ConfigCenterOptions options)
    : store_(store), auth_(auth), options_(std::move(options)) {
  if (absl::StatusOr<ConfigCipher> cipher = ConfigCipher::Create(options_.config_salt);
      cipher.ok()) {
    cipher_ = *cipher;
  }
}

ConfigCenter::~ConfigCenter() { Stop(); }

absl::Status ConfigCenter::Start() {
  {
    std::lock_guard lock(mu_);
    synced_revision_ = store_->CurrentRevision();
  }
  watch_ = store_->NewWatchStream([this] {
    std::lock_guard lock(mu_);
    ready_ = true;
    wake_.notify_all();
  });
  const std::string prefix(kItemsPrefix);
  absl::StatusOr<int64_t> id = watch_->Watch({.key = prefix,
                                              .range_end = store::PrefixEnd(prefix),
                                              .start_revision = synced_revision_ + 1,
                                              .prev_kv = true});
  if (!id.ok()) return id.status();
  {
    std::lock_guard lock(mu_);
    started_ = true;
    ready_ = true;  // the `created` response is queued: on_ready fires only after Next() drained
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void ConfigCenter::Stop() {
  std::map<uint64_t, std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    waiters.swap(waiters_);
    subscribers_.clear();
    wake_.notify_all();
  }
  thread_.join();
  for (auto& [id, waiter] : waiters) {
    waiter->done(absl::UnavailableError("config center is stopping"));
  }
  watch_.reset();
}

absl::Status ConfigCenter::Check(const auth::Identity& who, std::string_view key,
                                 uint32_t action) const {
  if (auth_ == nullptr) return absl::OkStatus();
  return auth_->CheckResource(who, auth::Resource::kConfig, key, action);
}

absl::StatusOr<ConfigCenter::Stored> ConfigCenter::Read(std::string_view env,
                                                        std::string_view key) const {
  absl::StatusOr<store::RangeResponse> range = store_->Range({.key = ItemKey(env, key)});
  if (!range.ok()) return range.status();
  Stored stored;
  stored.revision = range->revision;
  if (range->kvs.empty()) return stored;
  absl::StatusOr<ConfigItem> item = Parse(range->kvs.front());
  if (!item.ok()) return item.status();
  stored.item = std::move(*item);
  stored.mod_revision = range->kvs.front().mod_revision;
  return stored;
}

absl::StatusOr<std::vector<ConfigItem>> ConfigCenter::ReadPrefix(const std::string& prefix) const {
  absl::StatusOr<store::RangeResponse> range =
      store_->Range({.key = prefix, .range_end = store::PrefixEnd(prefix)});
  if (!range.ok()) return range.status();
  std::vector<ConfigItem> out;
  for (const store::KeyValue& kv : range->kvs) {
    absl::StatusOr<ConfigItem> item = Parse(kv);
    if (!item.ok()) return item.status();
    out.push_back(std::move(*item));
  }
  return out;
}

absl::StatusOr<std::vector<ConfigItem>> ConfigCenter::ReadHistory(std::string_view env,
                                                                  std::string_view key) const {
  return ReadPrefix(HistoryPrefix(env, key));
}

absl::StatusOr<std::vector<ConfigItem>> ConfigCenter::ReadEnv(std::string_view env) const {
  return ReadPrefix(fmt::format("{}{}/", kItemsPrefix, env));
}

absl::StatusOr<std::string> ConfigCenter::Seal(std::string_view env, std::string_view key,
                                               std::string_view plaintext) const {
  if (!cipher_) return ConfigCipher::Create("").status();
  return cipher_->Encrypt(plaintext, fmt::format("{}/{}", env, key));
}

absl::StatusOr<std::string> ConfigCenter::Open(std::string_view env, std::string_view key,
                                               std::string_view stored) const {
  if (!cipher_) return ConfigCipher::Create("").status();
  absl::StatusOr<std::string> plain = cipher_->Decrypt(stored, fmt::format("{}/{}", env, key));
  if (!plain.ok()) {
    return absl::Status(plain.status().code(),
                        fmt::format("config \"{}\" in environment \"{}\": {}", key, env,
                                    std::string(plain.status().message())));
  }
  return plain;
}

absl::Status ConfigCenter::Present(ConfigItem& item, Reveal reveal) const {
  if (item.type != ValueType::kEncrypted) return absl::OkStatus();
  if (reveal == Reveal::kMask) {
    item.value = std::string(kMaskedValue);
    item.masked = true;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> plain = Open(item.env, item.key, item.value);
  if (!plain.ok()) return plain.status();
  item.value = std::move(*plain);
  return absl::OkStatus();
}

absl::StatusOr<ConfigItem> ConfigCenter::Change(const auth::Identity& who, std::string_view env,
                                                std::string_view key, const MakeItem& make) {
  if (absl::Status status = ValidateName(env, key); !status.ok()) return status;
  if (absl::Status status = Check(who, key, auth::kWrite); !status.ok()) return status;
  for (int attempt = 0; attempt < options_.max_retries; ++attempt) {
    absl::StatusOr<Stored> current = Read(env, key);
    if (!current.ok()) return current.status();
    absl::StatusOr<ConfigItem> next = make(current->item);
    if (!next.ok()) return next.status();
    next->key = std::string(key);
    next->env = std::string(env);
    next->version = current->item ? current->item->version + 1 : 1;
    next->updated_by = who.user;
    next->updated_at = options_.wall_clock->NowMs();
    const std::string record = Record(*next);
    const std::string item_key = ItemKey(env, key);
    absl::StatusOr<store::TxnResponse> txn = store_->Txn({
        .compare = {{.result = store::Compare::Result::kEqual,
                     .target = store::Compare::Target::kMod,
                     .key = item_key,
                     .number = current->mod_revision}},
        .success = {PutOp(item_key, record), PutOp(HistoryKey(env, key, next->version), record)},
    });
    if (!txn.ok()) return txn.status();
    if (txn->succeeded) {
      next->revision = txn->revision;
      if (absl::Status status = Present(*next, Reveal::kMask); !status.ok()) return status;
      return next;
    }
    // Lost a race: let the other writers through before reading again.
    std::this_thread::sleep_for(std::chrono::microseconds(100 * (attempt + 1)));
  }
  return absl::AbortedError(fmt::format(
      "config \"{}\" in environment \"{}\": too many concurrent writers, try again", key, env));
}

absl::StatusOr<ConfigItem> ConfigCenter::Get(const auth::Identity& who, std::string_view env,
                                             std::string_view key) {
  if (absl::Status status = ValidateName(env, key); !status.ok()) return status;
  if (absl::Status status = Check(who, key, auth::kRead); !status.ok()) return status;
  for (std::string_view from : {env, kDefaultEnv}) {
    absl::StatusOr<Stored> stored = Read(from, key);
    if (!stored.ok()) return stored.status();
    if (stored->item && !stored->item->deleted) {
      if (absl::Status status = Present(*stored->item, Reveal::kPlain); !status.ok()) return status;
      return std::move(*stored->item);
    }
    if (from == kDefaultEnv) break;
  }
  return absl::NotFoundError(NotFoundText(env, key));
}

absl::StatusOr<std::vector<ConfigItem>> ConfigCenter::List(const auth::Identity& who,
                                                           std::string_view env,
                                                           std::string_view prefix,
                                                           bool include_deleted, Reveal reveal) {
  if (absl::Status status = ValidateEnv(env); !status.ok()) return status;
  std::map<std::string, ConfigItem> visible;
  for (std::string_view from : {kDefaultEnv, env}) {  // env's own items override default's
    absl::StatusOr<std::vector<ConfigItem>> items = ReadEnv(from);
    if (!items.ok()) return items.status();
    for (ConfigItem& item : *items) {
      if (!item.key.starts_with(prefix)) continue;
      if (item.deleted && !(include_deleted && from == env)) continue;
      visible[item.key] = std::move(item);
    }
    if (env == kDefaultEnv) break;
  }
  std::vector<ConfigItem> out;
  for (auto& [key, item] : visible) {
    if (!Check(who, key, auth::kRead).ok()) continue;
    if (absl::Status status = Present(item, reveal); !status.ok()) return status;
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<ConfigItem> ConfigCenter::Put(const auth::Identity& who, const PutRequest& request) {
  if (absl::Status status = ValidateName(request.env, request.key); !status.ok()) return status;
  if (absl::Status status = ValidateValue(request.key, request.type, request.value); !status.ok()) {
    return status;
  }
  if (request.type == ValueType::kEncrypted && !cipher_) return ConfigCipher::Create("").status();
  return Change(who, request.env, request.key,
                [&](const std::optional<ConfigItem>& current) -> absl::StatusOr<ConfigItem> {
                  const int64_t at = current ? current->version : 0;
                  if (request.expected_version && *request.expected_version != at) {
                    return absl::FailedPreconditionError(
                        fmt::format("config \"{}\" in environment \"{}\" is at version {}, not {}",
                                    request.key, request.env, at, *request.expected_version));
                  }
                  ConfigItem next{.type = request.type,
                                  .value = request.value,
                                  .description = request.description,
                                  .metadata = request.metadata,
                                  .op = "put"};
                  if (request.type == ValueType::kEncrypted) {
                    absl::StatusOr<std::string> sealed =
                        Seal(request.env, request.key, request.value);
                    if (!sealed.ok()) return sealed.status();
                    next.value = std::move(*sealed);
                  }
                  return next;
                });
}

absl::StatusOr<ConfigItem> ConfigCenter::Delete(const auth::Identity& who, std::string_view env,
                                                std::string_view key) {
  return Change(who, env, key,
                [&](const std::optional<ConfigItem>& current) -> absl::StatusOr<ConfigItem> {
                  if (!current || current->deleted) {
                    return absl::NotFoundError(
                        fmt::format("config \"{}\" not found in environment \"{}\"", key, env));
                  }
                  ConfigItem next = *current;
                  next.deleted = true;
                  next.op = "delete";
                  next.source_version = 0;
                  return next;
                });
}

absl::StatusOr<ConfigItem> ConfigCenter::Restore(const auth::Identity& who, std::string_view env,
                                                 std::string_view key) {
  return Change(
      who, env, key, [&](const std::optional<ConfigItem>& current) -> absl::StatusOr<ConfigItem> {
        if (!current) {
          return absl::NotFoundError(
              fmt::format("config \"{}\" not found in environment \"{}\"", key, env));
        }
        if (!current->deleted) {
          return absl::FailedPreconditionError(
              fmt::format("config \"{}\" in environment \"{}\" is not deleted", key, env));
        }
        ConfigItem next = *current;
        next.deleted = false;
        next.op = "restore";
        next.source_version = current->version - 1;
        return next;
      });
}

absl::StatusOr<int64_t> ConfigCenter::Purge(const auth::Identity& who, std::string_view env,
                                            std::string_view key) {
  if (absl::Status status = ValidateName(env, key); !status.ok()) return status;
  if (absl::Status status = Check(who, key, auth::kWrite); !status.ok()) return status;
  absl::StatusOr<Stored> current = Read(env, key);
  if (!current.ok()) return current.status();
  if (!current->item) {
    return absl::NotFoundError(
        fmt::format("config \"{}\" not found in environment \"{}\"", key, env));
  }
  if (!current->item->deleted) {
    return absl::FailedPreconditionError(fmt::format(
        "config \"{}\" in environment \"{}\" is not deleted: delete it before purging", key, env));
  }
  const std::string item_key = ItemKey(env, key);
  const std::string history = HistoryPrefix(env, key);
  absl::StatusOr<store::TxnResponse> txn = store_->Txn({
      .compare = {{.result = store::Compare::Result::kEqual,
                   .target = store::Compare::Target::kMod,
                   .key = item_key,
                   .number = current->mod_revision}},
      .success = {{store::DeleteRangeRequest{.key = item_key}},
                  {store::DeleteRangeRequest{.key = history,
                                             .range_end = store::PrefixEnd(history)}}},
  });
  if (!txn.ok()) return txn.status();
  if (!txn->succeeded) {
    return absl::AbortedError(fmt::format(
        "config \"{}\" in environment \"{}\" changed while purging, try again", key, env));
  }
  return std::get<store::DeleteRangeResponse>(txn->responses.at(1).op).deleted;
}

absl::StatusOr<std::vector<ConfigItem>> ConfigCenter::History(const auth::Identity& who,
                                                              std::string_view env,
                                                              std::string_view key, Reveal reveal) {
  if (absl::Status status = ValidateName(env, key); !status.ok()) return status;
  if (absl::Status status = Check(who, key, auth::kRead); !status.ok()) return status;
  absl::StatusOr<std::vector<ConfigItem>> history = ReadHistory(env, key);
  if (!history.ok()) return history.status();
  if (history->empty()) {
    return absl::NotFoundError(
        fmt::format("config \"{}\" not found in environment \"{}\"", key, env));
  }
  for (ConfigItem& item : *history) {
    if (absl::Status status = Present(item, reveal); !status.ok()) return status;
  }
  return history;
}

namespace {

// Version `version` of `history` (oldest first, versions 1..n), or NotFound naming the range.
absl::StatusOr<ConfigItem> VersionOf(const std::vector<ConfigItem>& history, std::string_view env,
                                     std::string_view key, int64_t version) {
  if (history.empty()) {
    return absl::NotFoundError(
        fmt::format("config \"{}\" not found in environment \"{}\"", key, env));
  }
  for (const ConfigItem& item : history) {
    if (item.version == version) return item;
  }
  return absl::NotFoundError(
      fmt::format("config \"{}\" in environment \"{}\" has no version {} (versions {}..{})", key,
                  env, version, history.front().version, history.back().version));
}

}  // namespace

absl::StatusOr<ConfigDiff> ConfigCenter::Diff(const auth::Identity& who, std::string_view env,
                                              std::string_view key, int64_t from, int64_t to,
                                              Reveal reveal) {
  if (absl::Status status = ValidateName(env, key); !status.ok()) return status;
  if (absl::Status status = Check(who, key, auth::kRead); !status.ok()) return status;
  absl::StatusOr<std::vector<ConfigItem>> history = ReadHistory(env, key);
  if (!history.ok()) return history.status();
  absl::StatusOr<ConfigItem> a = VersionOf(*history, env, key, from);
  if (!a.ok()) return a.status();
  absl::StatusOr<ConfigItem> b = VersionOf(*history, env, key, to);
  if (!b.ok()) return b.status();
  // Compare plaintexts: two encryptions of one value differ.
  for (ConfigItem* item : {&*a, &*b}) {
    if (absl::Status status = Present(*item, Reveal::kPlain); !status.ok()) return status;
  }
  ConfigDiff diff;
  auto field = [&](const char* name, json x, json y) {
    if (x != y) diff.changes.push_back({.field = name, .from = std::move(x), .to = std::move(y)});
  };
  field("type", ValueTypeName(a->type), ValueTypeName(b->type));
  field("value", a->value, b->value);
  field("description", a->description, b->description);
  field("metadata", a->metadata, b->metadata);
  field("deleted", a->deleted, b->deleted);
  if (a->type == ValueType::kJson && b->type == ValueType::kJson) {
    diff.json_patch = json::diff(json::parse(a->value), json::parse(b->value));
  }
  if (reveal == Reveal::kMask) {
    for (FieldChange& change : diff.changes) {
      if (change.field != "value") continue;
      if (a->type == ValueType::kEncrypted) change.from = kMaskedValue;
      if (b->type == ValueType::kEncrypted) change.to = kMaskedValue;
    }
    for (ConfigItem* item : {&*a, &*b}) {
      if (item->type == ValueType::kEncrypted) {
        item->value = std::string(kMaskedValue);
        item->masked = true;
      }
    }
  }
  diff.from = std::move(*a);
  diff.to = std::move(*b);
  return diff;
}

absl::StatusOr<ConfigItem> ConfigCenter::Rollback(const auth::Identity& who, std::string_view env,
                                                  std::string_view key, int64_t version) {
  if (absl::Status status = ValidateName(env, key); !status.ok()) return status;
  if (absl::Status status = Check(who, key, auth::kWrite); !status.ok()) return status;
  absl::StatusOr<std::vector<ConfigItem>> history = ReadHistory(env, key);
  if (!history.ok()) return history.status();
  absl::StatusOr<ConfigItem> source = VersionOf(*history, env, key, version);
  if (!source.ok()) return source.status();
  return Change(who, env, key, [&](const std::optional<ConfigItem>&) -> absl::StatusOr<ConfigItem> {
    return ConfigItem{.type = source->type,
                      .value = source->value,
                      .description = source->description,
                      .metadata = source->metadata,
                      .op = "rollback",
                      .source_version = version};
  });
}

absl::StatusOr<json> ConfigCenter::Export(const auth::Identity& who, std::string_view env) {
  if (absl::Status status = ValidateEnv(env); !status.ok()) return status;
  absl::StatusOr<std::vector<ConfigItem>> items = ReadEnv(env);
  if (!items.ok()) return items.status();
  json out = {{"format", kExportFormat}, {"env", env}, {"items", json::array()}};
  for (const ConfigItem& item : *items) {
    if (item.deleted || !Check(who, item.key, auth::kRead).ok()) continue;
    out["items"].push_back({{"key", item.key},
                            {"type", ValueTypeName(item.type)},
                            {"value", item.value},
                            {"description", item.description},
                            {"metadata", item.metadata}});
  }
  return out;
}

absl::StatusOr<ImportResult> ConfigCenter::Import(const auth::Identity& who, std::string_view env,
                                                  const json& document) {
  if (!document.is_object() || !document.contains("items") || !document["items"].is_array()) {
    return absl::InvalidArgumentError(
        "an import document is a JSON object {\"format\":\"aio-config/v1\",\"env\":...,"
        "\"items\":[...]}");
  }
  absl::StatusOr<std::string> format = StringField(document, "format", false);
  if (!format.ok() || (!format->empty() && *format != kExportFormat)) {
    return absl::InvalidArgumentError(
        fmt::format("unsupported import format: expected \"{}\"", kExportFormat));
  }
  absl::StatusOr<std::string> source_env = StringField(document, "env", false);
  if (!source_env.ok()) return source_env.status();
  if (source_env->empty()) *source_env = std::string(kDefaultEnv);
  if (absl::Status status = ValidateEnv(*source_env); !status.ok()) return status;
  const std::string target(env.empty() ? *source_env : std::string(env));
  if (absl::Status status = ValidateEnv(target); !status.ok()) return status;

  // Validate everything before writing anything.
  std::vector<ConfigItem> incoming;
  std::set<std::string> seen;
  const json& entries = document["items"];
  for (size_t i = 0; i < entries.size(); ++i) {
    auto fail = [&](const absl::Status& why) {
      return absl::Status(why.code(),
                          fmt::format("import item {}: {}", i, std::string(why.message())));
    };
    const json& entry = entries[i];
    if (!entry.is_object()) return fail(absl::InvalidArgumentError("must be a JSON object"));
    absl::StatusOr<std::string> key = StringField(entry, "key", true);
    absl::StatusOr<std::string> type_name = StringField(entry, "type", false);
    absl::StatusOr<std::string> value = StringField(entry, "value", true);
    absl::StatusOr<std::string> description = StringField(entry, "description", false);
    for (const absl::Status& status :
         {key.status(), type_name.status(), value.status(), description.status()}) {
      if (!status.ok()) return fail(status);
    }
    if (absl::Status status = ValidateKey(*key); !status.ok()) return fail(status);
    if (!seen.insert(*key).second) {
      return fail(absl::InvalidArgumentError(fmt::format("key \"{}\" appears twice", *key)));
    }
    absl::StatusOr<ValueType> type =
        ParseValueType(type_name->empty() ? std::string("string") : *type_name);
    if (!type.ok()) return fail(type.status());
    absl::StatusOr<std::map<std::string, std::string>> metadata =
        MetadataFromJson(entry.contains("metadata") ? entry["metadata"] : json());
    if (!metadata.ok()) return fail(metadata.status());
    if (absl::Status status = Check(who, *key, auth::kWrite); !status.ok()) return fail(status);
    ConfigItem item{.key = *key,
                    .env = target,
                    .type = *type,
                    .value = *value,
                    .description = *description,
                    .metadata = std::move(*metadata),
                    .op = "import"};
    if (*type == ValueType::kEncrypted) {
      absl::StatusOr<std::string> plain = Open(*source_env, *key, *value);
      if (!plain.ok()) return fail(plain.status());
      if (target != *source_env) {
        absl::StatusOr<std::string> sealed = Seal(target, *key, *plain);
        if (!sealed.ok()) return fail(sealed.status());
        item.value = std::move(*sealed);
      }
    } else if (absl::Status status = ValidateValue(*key, *type, *value); !status.ok()) {
      return fail(status);
    }
    incoming.push_back(std::move(item));
  }

  ImportResult result;
  for (size_t begin = 0; begin < incoming.size(); begin += kImportBatch) {
    const size_t end = std::min(incoming.size(), begin + kImportBatch);
    bool written = false;
    for (int attempt = 0; attempt < options_.max_retries && !written; ++attempt) {
      ImportResult batch;
      store::TxnRequest txn;
      for (size_t i = begin; i < end; ++i) {
        absl::StatusOr<Stored> current = Read(target, incoming[i].key);
        if (!current.ok()) return current.status();
        if (current->item && !current->item->deleted && SameContent(*current->item, incoming[i])) {
          ++batch.unchanged;
          continue;
        }
        ++(current->item ? batch.updated : batch.created);
        ConfigItem next = incoming[i];
        next.version = current->item ? current->item->version + 1 : 1;
        next.updated_by = who.user;
        next.updated_at = options_.wall_clock->NowMs();
        const std::string record = Record(next);
        const std::string item_key = ItemKey(target, next.key);
        txn.compare.push_back({.result = store::Compare::Result::kEqual,
                               .target = store::Compare::Target::kMod,
                               .key = item_key,
                               .number = current->mod_revision});
        txn.success.push_back(PutOp(item_key, record));
        txn.success.push_back(PutOp(HistoryKey(target, next.key, next.version), record));
      }
      absl::StatusOr<store::TxnResponse> response = store_->Txn(txn);
      if (!response.ok()) return response.status();
      written = response->succeeded;
      if (written) {
        result.created += batch.created;
        result.updated += batch.updated;
        result.unchanged += batch.unchanged;
      }
    }
    if (!written) {
      return absl::AbortedError(
          fmt::format("import into environment \"{}\": too many concurrent writers after {} of "
                      "{} items, try again",
                      target, begin, incoming.size()));
    }
  }
  return result;
}

absl::StatusOr<uint64_t> ConfigCenter::Subscribe(
    const auth::Identity& who, const WatchFilter& filter,
    std::function<void(const ConfigChange&)> on_change) {
  if (absl::Status status = ValidateFilter(filter); !status.ok()) return status;
  for (const std::string& key : filter.keys) {
    if (absl::Status status = Check(who, key, auth::kRead); !status.ok()) return status;
  }
  auto subscriber = std::make_shared<Subscriber>();
  subscriber->filter = filter;
  subscriber->on_change = std::move(on_change);
  subscriber->after_revision = store_->CurrentRevision();
  std::lock_guard lock(mu_);
  if (!started_ || stopping_) return absl::UnavailableError("config center is stopping");
  const uint64_t id = next_id_++;
  subscribers_[id] = std::move(subscriber);
  return id;
}

void ConfigCenter::Unsubscribe(uint64_t id) {
  std::shared_ptr<Subscriber> subscriber;
  {
    std::lock_guard lock(mu_);
    auto it = subscribers_.find(id);
    if (it == subscribers_.end()) return;
    subscriber = std::move(it->second);
    subscribers_.erase(it);
  }
  std::lock_guard lock(subscriber->mu);  // waits for a delivery in progress
  subscriber->active = false;
}

absl::StatusOr<std::vector<ConfigChange>> ConfigCenter::ChangesSince(const WatchFilter& filter,
                                                                     int64_t after_revision,
                                                                     int64_t* revision) const {
  std::vector<ConfigChange> changes;
  *revision = 0;
  for (std::string_view env : {std::string_view(filter.env), kDefaultEnv}) {
    for (const std::string& key : filter.keys) {
      absl::StatusOr<Stored> stored = Read(env, key);
      if (!stored.ok()) return stored.status();
      *revision = *revision == 0 ? stored->revision : std::min(*revision, stored->revision);
      if (!stored->item || stored->mod_revision <= after_revision) continue;
      ConfigChange change{.env = std::string(env),
                          .key = key,
                          .op = stored->item->op,
                          .new_version = stored->item->version,
                          .revision = stored->mod_revision};
      if (after_revision > 0) {  // the version the caller had seen: the last one at after_revision
        const std::string prefix = HistoryPrefix(env, key);
        absl::StatusOr<store::RangeResponse> seen =
            store_->Range({.key = prefix,
                           .range_end = store::PrefixEnd(prefix),
                           .limit = 1,
                           .sort_order = store::SortOrder::kDescend,
                           .max_mod_revision = after_revision});
        if (!seen.ok()) return seen.status();
        if (!seen->kvs.empty()) {
          absl::StatusOr<ConfigItem> old = Parse(seen->kvs.front());
          if (!old.ok()) return old.status();
          change.old_version = old->version;
        }
      }
      changes.push_back(std::move(change));
    }
    if (filter.env == kDefaultEnv) break;
  }
  return changes;
}

void ConfigCenter::Poll(const auth::Identity& who, const WatchFilter& filter,
                        int64_t after_revision, std::chrono::milliseconds timeout,
                        std::function<void(absl::StatusOr<PollResult>)> done) {
  if (absl::Status status = ValidateFilter(filter); !status.ok()) return done(status);
  for (const std::string& key : filter.keys) {
    if (absl::Status status = Check(who, key, auth::kRead); !status.ok()) return done(status);
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->filter = filter;
  waiter->after_revision = after_revision;
  waiter->deadline = std::chrono::steady_clock::now() + timeout;
  waiter->done = std::move(done);
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) {
      return waiter->done(absl::UnavailableError("config center is stopping"));
    }
    id = next_id_++;
    waiters_[id] = waiter;  // registered before the read: no change falls between the two
  }
  int64_t revision = 0;
  absl::StatusOr<std::vector<ConfigChange>> changes =
      ChangesSince(filter, after_revision, &revision);
  if (changes.ok() && changes->empty()) {
    std::lock_guard lock(mu_);
    wake_.notify_all();  // a new deadline
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (waiters_.erase(id) == 0) return;  // answered by a change in the meantime
  }
  if (!changes.ok()) return waiter->done(changes.status());
  waiter->done(PollResult{.changes = std::move(*changes), .revision = revision});
}

void ConfigCenter::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!ready_) {
      if (waiters_.empty()) {
        wake_.wait(lock);
      } else {
        auto earliest = std::min_element(waiters_.begin(), waiters_.end(), [](auto& a, auto& b) {
          return a.second->deadline < b.second->deadline;
        });
        wake_.wait_until(lock, earliest->second->deadline);
      }
    }
    if (stopping_) break;
    const bool drain = ready_;
    ready_ = false;
    lock.unlock();
    if (drain) {
      while (std::optional<store::WatchResponse> response = watch_->Next()) {
        if (response->canceled) {
          base::GetLogger("configcenter")
              ->error("config watch canceled: {} (compact_revision {})", response->cancel_reason,
                      response->compact_revision);
        }
        if (!response->events.empty()) Deliver(response->events);
      }
    }
    ExpireWaiters();
    lock.lock();
  }
}

void ConfigCenter::Deliver(const std::vector<store::Event>& events) {
  std::vector<ConfigChange> changes;
  for (const store::Event& event : events) {
    std::string_view path(event.kv.key);
    path.remove_prefix(kItemsPrefix.size());
    const size_t slash = path.find('/');
    if (slash == std::string_view::npos) continue;
    ConfigChange change{.env = std::string(path.substr(0, slash)),
                        .key = std::string(path.substr(slash + 1)),
                        .op = "purge",
                        .revision = event.kv.mod_revision};
    if (event.prev_kv) {
      if (absl::StatusOr<ConfigItem> old = Parse(*event.prev_kv); old.ok()) {
        change.old_version = old->version;
      }
    }
    if (event.type == store::Event::Type::kPut) {
      absl::StatusOr<ConfigItem> item = Parse(event.kv);
      if (!item.ok()) continue;
      change.op = item->op;
      change.new_version = item->version;
    }
    changes.push_back(std::move(change));
  }
  if (changes.empty()) return;
  std::vector<std::pair<std::shared_ptr<Waiter>, PollResult>> answered;
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  {
    std::lock_guard lock(mu_);
    synced_revision_ = std::max(synced_revision_, changes.back().revision);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      PollResult result{.revision = changes.back().revision};
      for (const ConfigChange& change : changes) {
        if (change.revision > it->second->after_revision && Matches(it->second->filter, change)) {
          result.changes.push_back(change);
        }
      }
      if (result.changes.empty()) {
        ++it;
        continue;
      }
      answered.emplace_back(it->second, std::move(result));
      it = waiters_.erase(it);
    }
    for (const auto& [id, subscriber] : subscribers_) subscribers.push_back(subscriber);
  }
  for (auto& [waiter, result] : answered) {
    // Report against the version the caller had, as an immediate answer does (the events show
    // only the last step when several changes fell between its read and now). A purged key has
    // no state left to read: its event stands.
    int64_t revision = 0;
    absl::StatusOr<std::vector<ConfigChange>> since =
        ChangesSince(waiter->filter, waiter->after_revision, &revision);
    if (!since.ok()) {
      waiter->done(since.status());
      continue;
    }
    if (!since->empty()) result = PollResult{.changes = std::move(*since), .revision = revision};
    waiter->done(std::move(result));
  }
  for (const std::shared_ptr<Subscriber>& subscriber : subscribers) {
    std::lock_guard lock(subscriber->mu);
    if (!subscriber->active) continue;
    for (const ConfigChange& change : changes) {
      if (change.revision > subscriber->after_revision && Matches(subscriber->filter, change)) {
        subscriber->on_change(change);
      }
    }
  }
}

void ConfigCenter::ExpireWaiters() {
  std::vector<std::pair<std::shared_ptr<Waiter>, int64_t>> expired;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second->deadline > now) {
        ++it;
        continue;
      }
      expired.emplace_back(it->second, std::max(it->second->after_revision, synced_revision_));
      it = waiters_.erase(it);
    }
  }
  for (auto& [waiter, revision] : expired) waiter->done(PollResult{.revision = revision});
}

}  // namespace aio::configcenter
