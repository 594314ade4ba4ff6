fn main() {
    nsutils_common::prog::main("ipcs-rs", ipcmk_rs::ipcs::run)
}
