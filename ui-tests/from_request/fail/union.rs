use rws::FromRequest;

#[derive(FromRequest)]
union Bits {
    a: u32,
    b: f32,
}

fn main() {}
