//! AFL++ target: `targets::config` on every input.

fn main() {
    afl::fuzz!(|data: &[u8]| tandem_fuzz::targets::config(data));
}
