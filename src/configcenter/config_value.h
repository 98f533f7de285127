// Config values: the value types of the config center, the environments, and the validation of keys
// and typed values. Pure functions, thread-safe.
//
// A value is always carried as text; its type says how the text must parse:
//   string     any UTF-8 text
//   int        a base-10 signed 64-bit integer ("-12"; no spaces, no "+", no "0x")
//   float      a finite decimal or exponent number ("3.5", "-1e-3"; not "nan" / "inf")
//   bool       "true" or "false"
//   json       a JSON object or array (stored as given; a scalar is refused: use its own type)
//   encrypted  any text; stored as AES-256-GCM ciphertext (config_cipher.h)
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace aio::configcenter {

// Persisted (as names in item records): never rename.
enum class ValueType { kString, kInt, kFloat, kBool, kJson, kEncrypted };

std::string_view ValueTypeName(ValueType type);
// InvalidArgument: `value type "x" is not one of string, int, float, bool, json, encrypted`.
absl::StatusOr<ValueType> ParseValueType(std::string_view name);

// Environments; lookups in any other than `default` fall back to `default`.
inline constexpr std::string_view kDefaultEnv = "default";
inline constexpr std::array<std::string_view, 5> kEnvironments = {"default", "dev", "test",
                                                                  "staging", "prod"};
// InvalidArgument: `environment "x" is not one of default, dev, test, staging, prod`.
absl::Status ValidateEnv(std::string_view env);

inline constexpr size_t kMaxKeyBytes = 256;
inline constexpr size_t kMaxValueBytes = 1 << 20;
// A key is 1..256 of [A-Za-z0-9._:-] ("app.db.url"); `/` is refused so keys never nest.
absl::Status ValidateKey(std::string_view key);

// Whether `value` parses as `type`. InvalidArgument names the key, the type and why
// (`config "k": value "12x" is not an int (base-10 64-bit integer)`, `config "k": invalid JSON
// value: <parser message>`).
absl::Status ValidateValue(std::string_view key, ValueType type, std::string_view value);

}  // namespace aio::configcenter
