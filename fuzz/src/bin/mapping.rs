//! AFL++ target: `targets::mapping` on every input.

fn main() {
    afl::fuzz!(|data: &[u8]| tandem_fuzz::targets::mapping(data));
}
