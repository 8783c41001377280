//! AFL++ target: `targets::mapping_file` on every input.

fn main() {
    afl::fuzz!(|data: &[u8]| tandem_fuzz::targets::mapping_file(data));
}
