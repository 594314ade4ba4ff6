fn main() {
    nsutils_common::prog::main("unshare-rs", unshare_rs::run)
}
