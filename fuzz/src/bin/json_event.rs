//! AFL++ target: `targets::json_event` on every input.

fn main() {
    afl::fuzz!(|data: &[u8]| tandem_fuzz::targets::json_event(data));
}
