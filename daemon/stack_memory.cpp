#include "daemon/stack_memory.hpp"

#include <algorithm>
#include <limits>

namespace shunt::daemon {

std::uint64_t stack_memory_account::own_room(std::uint64_t used) const noexcept {
    if (limit_ == 0) return std::numeric_limits<std::uint64_t>::max();
    return used >= limit_ ? 0 : limit_ - used;
}

std::uint64_t stack_memory_account::room() const noexcept {
    const std::uint64_t mine = own_room(held());
    return parent_ ? std::min(mine, parent_->room()) : mine;
}

std::uint64_t stack_memory_account::window_room() const noexcept {
    const std::uint64_t mine = own_room(held() + promised());
    return parent_ ? std::min(mine, parent_->window_room()) : mine;
}

void stack_memory_account::charge(std::int64_t delta) noexcept {
    if (delta == 0) return;
    held_.fetch_add(delta, std::memory_order_relaxed);
    if (parent_) parent_->charge(delta);
}

void stack_memory_account::promise(std::int64_t delta) noexcept {
    if (delta == 0) return;
    promised_.fetch_add(delta, std::memory_order_relaxed);
    if (parent_) parent_->promise(delta);
}

std::shared_ptr<stack_memory_account> stack_memory_registry::for_app(uid_t uid) {
    // Users gone since: their entries go (the map stays as long as the users live).
    for (auto it = users_.begin(); it != users_.end();)
        it = it->second.expired() ? users_.erase(it) : std::next(it);
    std::shared_ptr<stack_memory_account> user = users_[uid].lock();
    if (!user) {
        user = std::make_shared<stack_memory_account>(user_limit_);
        users_[uid] = user;
    }
    return std::make_shared<stack_memory_account>(app_limit_, std::move(user));
}

}  // namespace shunt::daemon
