use clap::Parser;

fn main() {
    let cli = infra_lint::cli::Cli::parse();
    std::process::exit(infra_lint::run::run(cli));
}
