// NATS subjects: dot-separated tokens; a subscription may use the wildcards `*` (one token) and
// `>` (one or more trailing tokens). https://docs.nats.io/nats-concepts/subjects
//
// Pure functions, thread-safe.
#pragma once

#include <string_view>

namespace aio::mq {

// A subject a message can be published to: non-empty tokens, no wildcards, no whitespace.
bool IsValidPublishSubject(std::string_view subject);

// A subscription subject or stream filter: like a publish subject, but a token may be `*`, and
// the last token may be `>`.
bool IsValidSubscribeSubject(std::string_view subject);

// A queue group name: non-empty, no whitespace.
bool IsValidQueueName(std::string_view queue);

// Whether `subject` (a literal) matches `filter` (which may hold wildcards).
bool SubjectMatches(std::string_view filter, std::string_view subject);

// Whether two filters can match a common subject (stream subjects must not overlap).
bool SubjectsOverlap(std::string_view a, std::string_view b);

// Whether `subject` holds a wildcard token.
bool HasWildcard(std::string_view subject);

}  // namespace aio::mq
