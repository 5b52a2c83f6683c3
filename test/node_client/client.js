// Copyright 2026 foxglove_bridge_py contributors
// Licensed under the Apache License, Version 2.0 (see LICENSE).
//
// A client built on the npm packages the Foxglove app uses. It subscribes to the given topics,
// decodes the first message of each with the advertised schema (ros2msg or JSON Schema), publishes with MessageWriter
// (cdr) and as JSON, and prints one JSON line per result.
//   node client.js <url> <subprotocol> <topic,topic,...> <seconds>
'use strict';
const { FoxgloveClient } = require('@foxglove/ws-protocol');
const { parse } = require('@foxglove/rosmsg');
const { MessageReader, MessageWriter } = require('@foxglove/rosmsg2-serialization');
const WebSocket = require('ws');

const [url, subprotocol, topicList, seconds] = process.argv.slice(2);
const wanted = new Set(topicList.split(','));
const readers = new Map();
const decoded = new Set();

function plain(key, value) {
  if (typeof value === 'bigint') return value.toString();
  if (ArrayBuffer.isView(value)) return Array.from(value, (v) => (typeof v === 'bigint' ? v.toString() : v));
  return value;
}

function print(object) {
  process.stdout.write(JSON.stringify(object, plain) + '\n');
}

// A JSON channel (the sysinfo channel): the app parses its JSON Schema and each message.
function jsonReader(channel) {
  if (channel.schemaEncoding !== 'jsonschema') throw new Error(`schemaEncoding ${channel.schemaEncoding}`);
  const schema = JSON.parse(channel.schema);
  const decoder = new TextDecoder();
  return {
    readMessage(data) {
      const value = JSON.parse(decoder.decode(data));
      const unknown = Object.keys(value).filter((key) => !(key in schema.properties));
      if (unknown.length > 0) throw new Error(`fields not in the schema: ${unknown}`);
      return value;
    },
  };
}

const client = new FoxgloveClient({ ws: new WebSocket(url, [subprotocol]) });
client.on('error', (error) => print({ error: String(error) }));
client.on('serverInfo', (info) => print({ serverInfo: info.name }));
client.on('advertise', (channels) => {
  for (const channel of channels) {
    if (!wanted.has(channel.topic) || readers.has(channel.topic)) continue;
    try {
      const reader = channel.encoding === 'json' ? jsonReader(channel) : new MessageReader(parse(channel.schema, { ros2: true }));
      const subscription = client.subscribe(channel.id);
      readers.set(subscription, { topic: channel.topic, reader, schemaName: channel.schemaName });
    } catch (error) {
      print({ topic: channel.topic, schemaError: String(error) });
    }
  }
});
client.on('message', ({ subscriptionId, data }) => {
  const entry = readers.get(subscriptionId);
  if (!entry || decoded.has(entry.topic)) return;
  decoded.add(entry.topic);
  try {
    print({ topic: entry.topic, schemaName: entry.schemaName, value: entry.reader.readMessage(data) });
  } catch (error) {
    print({ topic: entry.topic, decodeError: String(error) });
  }
});
client.on('open', () => {
  const writer = new MessageWriter(parse('string data', { ros2: true }));
  const cdr = client.advertise({ topic: '/from_node_cdr', encoding: 'cdr', schemaName: 'std_msgs/msg/String' });
  const json = client.advertise({ topic: '/from_node_json', encoding: 'json', schemaName: 'std_msgs/msg/String' });
  const timer = setInterval(() => {
    client.sendMessage(cdr, writer.writeMessage({ data: 'hello from MessageWriter' }));
    client.sendMessage(json, new TextEncoder().encode(JSON.stringify({ data: 'hello as json' })));
  }, 100);
  setTimeout(() => {
    clearInterval(timer);
    print({ done: true, decoded: decoded.size });
    process.exit(0);
  }, Number(seconds) * 1000);
});
