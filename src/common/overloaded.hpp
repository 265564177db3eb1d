#pragma once
// Overloaded{lambda...}: one visitor for std::visit out of several lambdas,
// one per alternative of a variant (the engine's events and commands).

namespace common {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace common
