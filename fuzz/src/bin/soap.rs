//! AFL++ target: `targets::soap` on every input.

fn main() {
    afl::fuzz!(|data: &[u8]| tandem_fuzz::targets::soap(data));
}
