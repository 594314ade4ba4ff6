fn main() {
    nsutils_common::prog::main("ipcrm-rs", ipcmk_rs::ipcrm::run)
}
