// Run once by the mongo-init service (mongosh --file): initiate replica set rs0 of three members.
// Safe to run again: an initiated set is left as it is.
const config = {
  _id: "rs0",
  members: [
    { _id: 0, host: "mongo1:27017", priority: 2 },
    { _id: 1, host: "mongo2:27017", priority: 1 },
    { _id: 2, host: "mongo3:27017", priority: 1 },
  ],
};

try {
  rs.status();
  print("replica set rs0 already initiated");
} catch (error) {
  if (error.codeName !== "NotYetInitialized") throw error;
  rs.initiate(config);
  print("replica set rs0 initiated");
}

// The LRS containers start after this exits: make sure they find a primary.
const deadline = Date.now() + 120 * 1000;
while (!rs.status().members.some((member) => member.stateStr === "PRIMARY")) {
  if (Date.now() > deadline) throw new Error("no primary elected within 120 s");
  sleep(1000);
}
print("replica set rs0 has a primary");
