#include "mq/subject.h"

#include <vector>

namespace aio::mq {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

// Calls `fn(token, is_last)` for each dot-separated token; stops when fn returns false.
template <typename Fn>
bool ForEachToken(std::string_view subject, Fn fn) {
  size_t start = 0;
  while (true) {
    const size_t dot = subject.find('.', start);
    const bool last = dot == std::string_view::npos;
    const std::string_view token =
        subject.substr(start, last ? std::string_view::npos : dot - start);
    if (!fn(token, last)) return false;
    if (last) return true;
    start = dot + 1;
  }
}

bool Validate(std::string_view subject, bool wildcards) {
  if (subject.empty()) return false;
  return ForEachToken(subject, [&](std::string_view token, bool last) {
    if (token.empty()) return false;
    for (char c : token) {
      if (IsSpace(c)) return false;
    }
    if (token.size() == 1 && (token[0] == '*' || token[0] == '>')) {
      if (!wildcards) return false;
      if (token[0] == '>' && !last) return false;
    }
    return true;
  });
}

std::vector<std::string_view> Tokens(std::string_view subject) {
  std::vector<std::string_view> tokens;
  ForEachToken(subject, [&](std::string_view token, bool) {
    tokens.push_back(token);
    return true;
  });
  return tokens;
}

}  // namespace

bool IsValidPublishSubject(std::string_view subject) { return Validate(subject, false); }

bool IsValidSubscribeSubject(std::string_view subject) { return Validate(subject, true); }

bool IsValidQueueName(std::string_view queue) {
  if (queue.empty()) return false;
  for (char c : queue) {
    if (IsSpace(c)) return false;
  }
  return true;
}

bool HasWildcard(std::string_view subject) {
  bool found = false;
  ForEachToken(subject, [&](std::string_view token, bool) {
    found = token == "*" || token == ">";
    return !found;
  });
  return found;
}

bool SubjectMatches(std::string_view filter, std::string_view subject) {
  size_t f = 0;
  size_t s = 0;
  while (true) {
    const size_t fdot = filter.find('.', f);
    const std::string_view ftok =
        filter.substr(f, fdot == std::string_view::npos ? fdot : fdot - f);
    if (ftok == ">") return s < subject.size();
    const size_t sdot = subject.find('.', s);
    const std::string_view stok =
        subject.substr(s, sdot == std::string_view::npos ? sdot : sdot - s);
    if (ftok != "*" && ftok != stok) return false;
    if (fdot == std::string_view::npos || sdot == std::string_view::npos) {
      return fdot == std::string_view::npos && sdot == std::string_view::npos;
    }
    f = fdot + 1;
    s = sdot + 1;
  }
}

bool SubjectsOverlap(std::string_view a, std::string_view b) {
  const std::vector<std::string_view> ta = Tokens(a);
  const std::vector<std::string_view> tb = Tokens(b);
  for (size_t i = 0; i < ta.size() && i < tb.size(); ++i) {
    if (ta[i] == ">" || tb[i] == ">") return true;
    if (ta[i] != "*" && tb[i] != "*" && ta[i] != tb[i]) return false;
  }
  return ta.size() == tb.size();
}

}  // namespace aio::mq
