fn main() {
    nsutils_common::prog::main("ipcmk-rs", ipcmk_rs::ipcmk::run)
}
