#include "mq/sublist.h"

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "mq/subject.h"

namespace aio::mq {
namespace {

// Debian's Abseil has its own string_view type: heterogeneous lookups go through it.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

template <typename Fn>
void ForEachToken(std::string_view subject, Fn fn) {
  size_t start = 0;
  while (true) {
    const size_t dot = subject.find('.', start);
    if (dot == std::string_view::npos) {
      fn(subject.substr(start));
      return;
    }
    fn(subject.substr(start, dot - start));
    start = dot + 1;
  }
}

// Drops arbitrary entries of a full cache down to a quarter of `max` (nats-server's sweep: 1024
// down to 256), so the entries that keep being hit are mostly back after one miss each.
template <typename Map>
void SweepIfFull(Map& map, size_t max) {
  if (map.size() < max) return;
  for (auto it = map.begin(); it != map.end() && map.size() > max / 4;) map.erase(it++);
}

MatchResultPtr EmptyResult() {
  static const MatchResultPtr* const empty = new MatchResultPtr(std::make_shared<MatchResult>());
  return *empty;
}

}  // namespace

struct Sublist::Level {
  absl::flat_hash_map<std::string, std::unique_ptr<Node>> literal;
  std::unique_ptr<Node> pwc;  // `*`
  std::unique_ptr<Node> fwc;  // `>`
  bool empty() const { return literal.empty() && pwc == nullptr && fwc == nullptr; }
};

struct Sublist::Node {
  Level next;
  std::vector<SubscriptionPtr> plain;
  std::vector<std::pair<std::string, std::vector<SubscriptionPtr>>> queues;
  // plain and queues as a match result, built by the first match that reaches only this node;
  // reset when they change.
  MatchResultPtr result;

  bool has_subscriptions() const { return !plain.empty() || !queues.empty(); }
  bool empty() const { return next.empty() && !has_subscriptions(); }
  void AppendTo(MatchResult& out) const {
    out.plain.insert(out.plain.end(), plain.begin(), plain.end());
    for (const auto& [name, members] : queues) out.queues.push_back(members);
  }
  const MatchResultPtr& Result() {
    if (result == nullptr) {
      auto built = std::make_shared<MatchResult>();
      AppendTo(*built);
      result = std::move(built);
    }
    return result;
  }
};

Sublist::Sublist() : root_(std::make_unique<Level>()) {}
Sublist::~Sublist() = default;

void Sublist::Insert(SubscriptionPtr sub) {
  absl::MutexLock lock(&mu_);
  Level* level = root_.get();
  Node* node = nullptr;
  ForEachToken(sub->subject, [&](std::string_view token) {
    std::unique_ptr<Node>* slot;
    if (token == "*") {
      slot = &level->pwc;
    } else if (token == ">") {
      slot = &level->fwc;
    } else {
      slot = &level->literal[Av(token)];
    }
    if (*slot == nullptr) *slot = std::make_unique<Node>();
    node = slot->get();
    level = &node->next;
  });
  if (sub->queue.empty()) {
    node->plain.push_back(sub);
  } else {
    auto it = std::find_if(node->queues.begin(), node->queues.end(),
                           [&](const auto& group) { return group.first == sub->queue; });
    if (it == node->queues.end()) {
      node->queues.emplace_back(sub->queue, std::vector<SubscriptionPtr>{});
      it = std::prev(node->queues.end());
    }
    it->second.push_back(sub);
  }
  node->result.reset();
  count_.fetch_add(1, std::memory_order_relaxed);
  InvalidateLocked(sub->subject);
}

bool Sublist::Remove(const SubscriptionPtr& sub) {
  absl::MutexLock lock(&mu_);
  // The path from the root, to prune empty nodes afterwards.
  std::vector<std::pair<Level*, std::string_view>> path;
  Level* level = root_.get();
  Node* node = nullptr;
  bool found = true;
  ForEachToken(sub->subject, [&](std::string_view token) {
    if (!found) return;
    Node* next = nullptr;
    if (token == "*") {
      next = level->pwc.get();
    } else if (token == ">") {
      next = level->fwc.get();
    } else if (auto it = level->literal.find(Av(token)); it != level->literal.end()) {
      next = it->second.get();
    }
    if (next == nullptr) {
      found = false;
      return;
    }
    path.emplace_back(level, token);
    node = next;
    level = &node->next;
  });
  if (!found || node == nullptr) return false;
  bool removed = false;
  auto erase_from = [&](std::vector<SubscriptionPtr>& subs) {
    auto it = std::find(subs.begin(), subs.end(), sub);
    if (it == subs.end()) return;
    subs.erase(it);
    removed = true;
  };
  if (sub->queue.empty()) {
    erase_from(node->plain);
  } else {
    for (auto it = node->queues.begin(); it != node->queues.end(); ++it) {
      if (it->first != sub->queue) continue;
      erase_from(it->second);
      if (it->second.empty()) node->queues.erase(it);
      break;
    }
  }
  if (!removed) return false;
  node->result.reset();
  // Prune empty nodes bottom-up.
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    Level* parent = it->first;
    std::unique_ptr<Node>* slot;
    if (it->second == "*") {
      slot = &parent->pwc;
    } else if (it->second == ">") {
      slot = &parent->fwc;
    } else {
      slot = &parent->literal.find(Av(it->second))->second;
    }
    if (!(*slot)->empty()) break;
    if (it->second == "*" || it->second == ">") {
      slot->reset();
    } else {
      parent->literal.erase(Av(it->second));
    }
  }
  count_.fetch_sub(1, std::memory_order_relaxed);
  InvalidateLocked(sub->subject);
  return true;
}

void Sublist::InvalidateLocked(std::string_view filter) {
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (!HasWildcard(filter)) {
    cache_.erase(Av(filter));
    return;
  }
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (SubjectMatches(filter, it->first)) {
      cache_.erase(it++);
    } else {
      ++it;
    }
  }
}

MatchResultPtr Sublist::Match(std::string_view subject) {
  absl::MutexLock lock(&mu_);
  if (auto it = cache_.find(Av(subject)); it != cache_.end()) return it->second;
  MatchResultPtr result = MatchLocked(subject);
  if (admission_.Repeats(subject)) {
    SweepIfFull(cache_, kMaxCacheEntries);
    cache_.emplace(std::string(subject), result);
  }
  return result;
}

size_t Sublist::cache_size() const {
  absl::MutexLock lock(&mu_);
  return cache_.size();
}

MatchResultPtr Sublist::MatchLocked(std::string_view subject) {
  absl::InlinedVector<Node*, 4> reached;  // nodes with subscriptions
  auto collect = [&](Node& node) {
    if (node.has_subscriptions()) reached.push_back(&node);
  };
  absl::InlinedVector<std::string_view, 16> tokens;
  ForEachToken(subject, [&](std::string_view token) { tokens.push_back(token); });
  // Depth-first over the trie: literal and `*` branches advance a token; `>` matches the rest.
  auto walk = [&](auto&& self, Level& level, size_t i) -> void {
    if (level.fwc != nullptr) collect(*level.fwc);
    if (level.pwc != nullptr) {
      if (i + 1 == tokens.size()) {
        collect(*level.pwc);
      } else {
        self(self, level.pwc->next, i + 1);
      }
    }
    if (auto it = level.literal.find(Av(tokens[i])); it != level.literal.end()) {
      if (i + 1 == tokens.size()) {
        collect(*it->second);
      } else {
        self(self, it->second->next, i + 1);
      }
    }
  };
  walk(walk, *root_, 0);
  if (reached.empty()) return EmptyResult();
  if (reached.size() == 1) return reached[0]->Result();
  // As in nats-server, a group reached through two nodes (`foo.*` and `foo.>`) is two groups.
  auto result = std::make_shared<MatchResult>();
  for (const Node* node : reached) node->AppendTo(*result);
  return result;
}

std::vector<SubscriptionPtr> Sublist::All() const {
  absl::MutexLock lock(&mu_);
  std::vector<SubscriptionPtr> out;
  auto visit = [&](auto&& self, const Level& level) -> void {
    auto node_visit = [&](const Node& node) {
      out.insert(out.end(), node.plain.begin(), node.plain.end());
      for (const auto& [name, members] : node.queues) {
        out.insert(out.end(), members.begin(), members.end());
      }
      self(self, node.next);
    };
    for (const auto& [token, node] : level.literal) node_visit(*node);
    if (level.pwc != nullptr) node_visit(*level.pwc);
    if (level.fwc != nullptr) node_visit(*level.fwc);
  };
  visit(visit, *root_);
  return out;
}

MatchResultPtr MatchCache::Match(Sublist& sublist, std::string_view subject) {
  const uint64_t generation = sublist.generation();
  if (generation != generation_) {
    entries_.clear();
    generation_ = generation;
  } else if (auto it = entries_.find(Av(subject)); it != entries_.end()) {
    return it->second;
  }
  MatchResultPtr result = sublist.Match(subject);
  if (admission_.Repeats(subject)) {
    SweepIfFull(entries_, kMaxEntries);
    entries_.emplace(std::string(subject), result);
  }
  return result;
}

}  // namespace aio::mq
