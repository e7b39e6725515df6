use rws::Validate;

#[derive(Validate)]
enum Choice {
    A,
}

fn main() {}
