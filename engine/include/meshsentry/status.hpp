// SPDX-License-Identifier: MIT
// Status and Result: how every library call reports failure. The library never
// prints and never exits; a failed call returns a code and a message that names
// the cause, and the caller decides what to do with it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace meshsentry {

enum class ErrorCode {
  ok = 0,
  io,           // the file could not be opened, read or mapped
  format,       // the bytes are not a supported format, or are malformed
  limit,        // a configured limit was exceeded (size, triangles, depth, ...)
  corrupt,      // a signature file failed its checksum or structure checks
  invalid,      // bad argument from the caller (empty manifest, bad option)
  empty,        // the file holds no usable geometry
};

const char* to_string(ErrorCode code) noexcept;

struct Status {
  ErrorCode code = ErrorCode::ok;
  std::string message;

  bool ok() const noexcept { return code == ErrorCode::ok; }
  static Status success() { return {}; }
};

inline Status make_error(ErrorCode code, std::string message) {
  return Status{code, std::move(message)};
}

// A value or the Status that explains why there is none.
template <class T>
class Result {
 public:
  Result(T value) : data_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Status error) : data_(std::move(error)) {}     // NOLINT: implicit on purpose

  bool ok() const noexcept { return std::holds_alternative<T>(data_); }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // Only valid when !ok().
  const Status& status() const { return std::get<Status>(data_); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace meshsentry
