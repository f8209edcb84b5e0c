// Text from another user (an app's command line, a name it chose) made safe
// to log and to show on a terminal: printable ASCII is kept, every other
// byte becomes \xNN, so no escape sequence, control character or line break
// of theirs reaches shuntd's log or a `shuntctl` user's terminal.
#pragma once

#include <string>
#include <string_view>

namespace shunt {

std::string printable(std::string_view untrusted);

}  // namespace shunt
