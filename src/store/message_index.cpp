#include "store/message_index.hpp"

#include "mail/body_text.hpp"

namespace store {

DerivedFields derive_fields(std::string_view raw) {
  return DerivedFields{mail::parse_headers(raw), mail::body_text(raw)};
}

common::Status insert_fts(Statement& insert, std::int64_t id, const DerivedFields& fields) {
  auto use = insert.use();
  const auto& h = fields.headers;
  if (auto s = insert.bind_all(id, h.from.value_or(""), h.to.value_or(""), h.subject.value_or(""),
                               std::string_view(fields.body));
      !s) {
    return s;
  }
  auto done = insert.step();
  if (!done) return done.error();
  return {};
}

}  // namespace store
