fn main() {
    std::process::exit(cvxrelu::cli::run_from(std::env::args_os()));
}
