export default ["packages/*", "infra"];
