use rws::FromRequest;

#[derive(Clone)]
struct Config;

#[derive(FromRequest)]
struct Ctx {
    #[from_state(Config)]
    config: Config,
}

fn main() {}
