//! The `whatif` command line: a thin layer over the library.

mod cli;

#[global_allocator]
static ALLOCATOR: whatif::allocator::Allocator = whatif::allocator::Allocator {};

fn main() -> std::process::ExitCode {
    whatif::allocator::tune();
    cli::main()
}
