// Started detached by bench/lib/proc.ts. The bench writes "+<pid>" / "-<pid>" lines to our stdin for
// every process group it starts and stops. When stdin closes (the bench ended, however it ended,
// SIGKILL included) every group still listed gets SIGTERM, then SIGKILL 5 s later. Only the ids the
// bench gave us are ever signalled.
const live = new Set();
let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (line.startsWith("+")) live.add(pid);
    else if (line.startsWith("-")) live.delete(pid);
  }
});
const signal = (pid, sig) => {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
};
process.stdin.on("close", () => {
  const pending = [...live].filter((pid) => signal(pid, "SIGTERM"));
  if (pending.length === 0) process.exit(0);
  setTimeout(() => {
    for (const pid of pending) signal(pid, "SIGKILL");
    process.exit(0);
  }, 5_000);
});
process.stdin.resume();
