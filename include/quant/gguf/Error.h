//===- Error.h - Error values of the GGUF library ------------------*- C++
//-*-===//
//
// The GGUF library reports failures by return value, never by exception: an
// `Error` is a one-line message (empty on success) and `Expected<T>` holds
// either a T or an Error.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_GGUF_ERROR_H
#define QUANT_GGUF_ERROR_H

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace quant::gguf {

/// A failure with a one-line message, or success. Converts to `true` when it
/// holds a failure, in the style of `llvm::Error`:
/// `if (Error e = writer.writeFile(path)) report(e.message());`.
class [[nodiscard]] Error {
public:
  /// Success.
  Error() = default;

  /// A failure; `message` must be non-empty and hold no newline.
  static Error failure(std::string message) {
    Error e;
    e.message_ =
        message.empty() ? std::string("unknown error") : std::move(message);
    return e;
  }
  static Error success() { return Error(); }

  /// True when this is a failure.
  explicit operator bool() const { return !message_.empty(); }
  bool isFailure() const { return !message_.empty(); }

  /// The message; empty on success.
  const std::string &message() const { return message_; }

  /// Returns the failure with `prefix` prepended ("file.gguf: " + message).
  Error withPrefix(const std::string &prefix) const {
    if (!isFailure())
      return *this;
    return failure(prefix + message_);
  }

private:
  std::string message_;
};

/// Either a value of type T or an Error, in the style of `llvm::Expected`.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
  /// Constructs a failed Expected; `error` must be a failure.
  Expected(Error error) : storage_(std::in_place_index<1>, std::move(error)) {
    assert(std::get<1>(storage_).isFailure() && "Expected from success");
  }

  /// True when a value is held.
  explicit operator bool() const { return storage_.index() == 0; }
  bool hasValue() const { return storage_.index() == 0; }

  T &operator*() & { return std::get<0>(storage_); }
  const T &operator*() const & { return std::get<0>(storage_); }
  T &&operator*() && { return std::get<0>(std::move(storage_)); }
  T *operator->() { return &std::get<0>(storage_); }
  const T *operator->() const { return &std::get<0>(storage_); }

  /// The failure; requires !hasValue().
  const Error &error() const { return std::get<1>(storage_); }
  /// Shorthand for error().message(); requires !hasValue().
  const std::string &message() const { return error().message(); }
  /// Moves the value out; requires hasValue().
  T take() { return std::get<0>(std::move(storage_)); }

private:
  std::variant<T, Error> storage_;
};

} // namespace quant::gguf

#endif // QUANT_GGUF_ERROR_H
