// Package uf2 writes and reads UF2 files (Microsoft's USB Flashing
// Format, github.com/microsoft/uf2 README "File format"), the format the
// Raspberry Pi RP2040 and RP2350 boot ROMs accept on their BOOTSEL USB
// drive: 512-byte blocks, each with two start magics, flags, a target
// address, a payload of up to 476 bytes (256 used, as the RP2 ROMs
// require), the block number and count, a family id, and an end magic.
//
// AtomVM loads an application (.avm) from flash address 0x10180000 on
// both chips (AppAddress). Its tooling writes "universal" files: the
// image as an rp2040-family UF2 followed by the same image as a
// data-family UF2, which the RP2350 accepts (Encode with Universal).
package uf2
