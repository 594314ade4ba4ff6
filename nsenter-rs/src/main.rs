fn main() {
    nsutils_common::prog::main("nsenter-rs", nsenter_rs::run)
}
