// Splits a byte stream into JSON lines; a line longer than maxBytes is refused rather than buffered.
"use strict";

function onJsonLines(stream, maxBytes, onMessage, onOversize) {
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() === "") continue;
      let message;
      try {
        message = JSON.parse(line);
      } catch (e) {
        onMessage(null, line);
        continue;
      }
      onMessage(message, line);
    }
    if (buffered.length > maxBytes) {
      buffered = "";
      onOversize();
    }
  });
}

module.exports = { onJsonLines };
