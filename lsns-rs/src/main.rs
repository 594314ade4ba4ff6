fn main() {
    nsutils_common::prog::main("lsns-rs", lsns_rs::run)
}
