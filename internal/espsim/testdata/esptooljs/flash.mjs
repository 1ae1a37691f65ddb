// Flashes an image with Espressif's esptool-js onto a serial port given
// by path (a pty whose other end runs internal/espsim), verifies it with
// the loader's MD5, and prints one JSON line: chip, md5, seconds.
//
//   node flash.mjs --port /dev/pts/5 --image app.bin --address 0x250000 --baud 921600
//
// esptool-js expects a Web Serial port; this is a small one over a tty
// file descriptor: readable is a pull stream that takes a 0-byte or
// EAGAIN read as "nothing yet" (Node's own file streams take it as EOF),
// writable writes the whole chunk, setSignals is a no-op (a pty has no
// modem lines, so run with no_reset and a board already in its loader),
// setBaudRate is a no-op (the simulator switches on CHANGE_BAUDRATE).
import fs from "node:fs";
import crypto from "node:crypto";
import { ESPLoader, Transport } from "esptool-js";

function arg(name, def) {
  const i = process.argv.indexOf("--" + name);
  return i > 0 ? process.argv[i + 1] : def;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class PtyPort {
  constructor(path) {
    this.path = path;
    this.fd = null;
    this.readable = null;
    this.writable = null;
  }
  async open() {
    if (this.fd !== null) return;
    this.fd = fs.openSync(this.path, fs.constants.O_RDWR | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
    const fd = this.fd;
    const buf = Buffer.alloc(64 * 1024);
    let closed = false;
    this._close = () => { closed = true; };
    this.readable = new ReadableStream({
      async pull(controller) {
        for (;;) {
          if (closed) { controller.close(); return; }
          let n = 0;
          try {
            n = fs.readSync(fd, buf, 0, buf.length, null);
          } catch (e) {
            if (e.code !== "EAGAIN") { controller.error(e); return; }
          }
          if (n > 0) { controller.enqueue(new Uint8Array(buf.subarray(0, n))); return; }
          await sleep(1);
        }
      },
    });
    this.writable = new WritableStream({
      async write(chunk) {
        let off = 0;
        while (off < chunk.length) {
          try {
            off += fs.writeSync(fd, chunk, off, chunk.length - off);
          } catch (e) {
            if (e.code !== "EAGAIN") throw e;
            await sleep(1);
          }
        }
      },
    });
  }
  async close() {
    if (this.fd === null) return;
    this._close();
    fs.closeSync(this.fd);
    this.fd = null;
    this.readable = null;
    this.writable = null;
  }
  async setSignals() {}
  async setBaudRate() {}
  getInfo() { return { usbVendorId: 0x10c4, usbProductId: 0xea60 }; }
}

const terminal = {
  clean() {},
  writeLine(s) { if (process.env.ESPTOOLJS_LOG) process.stderr.write(s + "\n"); },
  write(s) { if (process.env.ESPTOOLJS_LOG) process.stderr.write(s); },
};

const port = new PtyPort(arg("port"));
const image = new Uint8Array(fs.readFileSync(arg("image")));
const address = Number(arg("address", "0x250000"));
const baud = Number(arg("baud", "115200"));

const t0 = Date.now();
const transport = new Transport(port, false);
const loader = new ESPLoader({ transport, baudrate: baud, romBaudrate: 115200, terminal, debugLogging: false });
try {
  const chip = await loader.main("no_reset");
  await loader.writeFlash({
    fileArray: [{ data: image, address }],
    flashSize: "keep", flashMode: "keep", flashFreq: "keep",
    eraseAll: false, compress: true,
    calculateMD5Hash: (img) => crypto.createHash("md5").update(Buffer.from(img)).digest("hex"),
  });
  const md5 = await loader.flashMd5sum(address, image.length);
  const seconds = (Date.now() - t0) / 1000;
  process.stdout.write("AVMSH_RESULT " + JSON.stringify({ chip, chipName: loader.chip.CHIP_NAME, md5, seconds }) + "\n");
  await transport.disconnect();
  process.exit(0);
} catch (e) {
  process.stderr.write("esptool-js: " + (e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
}
